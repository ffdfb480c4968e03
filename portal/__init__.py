"""The project: settings, URLs, the Celery app, home page, health check and shared UI."""

from .celery import app as celery_app

__all__ = ["celery_app"]
