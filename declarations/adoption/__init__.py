"""E-transaction adoption (tỷ lệ giao dịch điện tử): assignments, targets, snapshots,"""
