"""The outbox with the real Redis broker and a real Celery worker process."""

import json

import pytest
from django.db import transaction

from core.outbox.models import OutboxMessage, OutboxState
from core.outbox.services import outbox_enqueue
from tests.conftest import wait_until

pytestmark = pytest.mark.worker


def _sent(n):
    return OutboxMessage.objects.filter(state=OutboxState.SENT).count() >= n


def test_worker_delivers_e_mail_committed_with_the_data(
    celery_worker_process, tmp_path, monkeypatch
):
    import tests.conftest as c

    monkeypatch.setattr(
        c.WorkerProcess,
        "__init__",
        _with_env(c.WorkerProcess.__init__, {"TEST_EMAIL_FILE_PATH": str(tmp_path)}),
    )
    worker = celery_worker_process(loglevel="INFO")
    with transaction.atomic():
        for i in range(5):
            outbox_enqueue(
                kind="email",
                key=f"worker-mail-{i}",
                payload={
                    "to": ["ketoan@example.vn"],
                    "subject": f"Số {i}",
                    "body": "Thông báo tiếp nhận",
                },
            )
    wait_until(lambda: _sent(5), timeout=60)
    written = "".join(p.read_text() for p in tmp_path.iterdir())
    for i in range(5):
        assert f"<worker-mail-{i}@bhxh-portal>" in written
    assert written.count("Message-ID:") == 5
    # The worker logs one JSON line per event with the task id bound.
    events = [json.loads(line) for line in worker.log_text().splitlines() if line.startswith("{")]
    delivered = [e for e in events if e.get("event") == "outbox_delivered"]
    assert len(delivered) == 5 and all(e.get("task_id") for e in delivered), worker.log_text()[
        -3000:
    ]


def test_sweep_delivers_a_row_whose_message_was_lost(celery_worker_process, settings):
    from core.outbox.tasks import outbox_sweep

    # Written without a kick, as if the broker had lost the message.
    OutboxMessage.objects.create(
        kind="email", key="lost-1", payload={"to": ["a@example.vn"], "subject": "s", "body": "b"}
    )
    celery_worker_process()
    outbox_sweep.delay()
    wait_until(lambda: _sent(1), timeout=60)


def _with_env(init, extra):
    def patched(self, redis_url, extra_env=None):
        init(self, redis_url, {**extra, **(extra_env or {})})

    return patched
