"""Contribution-closure records (chốt sổ), their push to the central store within 2 days,
manual pushes, backfill since 2008, deadline alerts, lookup (tra cứu) and receive (nhận)."""
