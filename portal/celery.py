"""The one Celery app. Settings come from Django settings under the ``CELERY`` namespace."""

import os

from celery import Celery
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# core.outbox is a sub-package app; name its task module explicitly.
app.autodiscover_tasks(["core.outbox"])
# Binds task_id (and the request_id of the request that queued it) to every log line.
app.steps["worker"].add(DjangoStructLogInitStep)
