"""The national central store (kho dữ liệu tập trung) as the IT center runs it: its own
database alias, an HTTP API with rotating shared credentials, idempotent upserts, lookup."""
