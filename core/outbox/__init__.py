"""The transactional outbox: every external effect (e-mail, webhook, push) is a row written
in the same transaction as the data it follows, delivered later by a Celery worker."""
