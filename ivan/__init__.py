"""I-VAN providers: contracts, the public list, API clients, the DRF intake API and
signed webhooks to providers."""
