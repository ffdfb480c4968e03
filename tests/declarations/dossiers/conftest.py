"""Fixtures shared by the dossiers' tests."""

import pytest

from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker


@pytest.fixture
def receive(signed, django_capture_on_commit_callbacks):
    """Intake of a one-worker 600; the commit's callbacks run (the outbox kick, in-process)."""

    def run(n: int = 1):
        with django_capture_on_commit_callbacks(execute=True):
            result = intake_submit(data=signed([worker(n)]), channel="cli")
        assert result.ok, result.errors_as_dicts()
        return result

    return run
