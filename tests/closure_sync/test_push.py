"""Confirmed closures reach the central store once, with the receipt recorded on them."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from central.models import CentralClosure
from closure_sync import push, services
from closure_sync.models import ClosureRecord, ImmutableClosure, PushState
from tests.factories import UserFactory, grant

from .helpers import confirmed_closures

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])


def _draft(office, user, **over):
    data = {
        "actor": user,
        "office": office,
        "book_number": "0123456789",
        "si_number": "0123456789",
        "full_name": "Nguyễn Thị Lan",
        "birth_date": date(1990, 5, 1),
        "unit_code": "TZH490L",
        "kind": "bhxh",
        "periods": [
            services.Period(date(2019, 1, 1), date(2020, 12, 1), Decimal(5000000), Decimal(8))
        ],
    }
    data.update(over)
    return services.closure_draft_create(**data)


def test_confirming_a_closure_pushes_it_to_the_central_store(reference_data_tx, office, central):
    officer = UserFactory()
    grant(officer, "collection_officer", office("0101"))
    record = _draft(office("0101"), officer)
    services.closure_confirm(actor=officer, record=record)
    record.refresh_from_db()
    assert record.push_state == PushState.PUSHED
    stored = CentralClosure.objects.using("central").get()
    assert (stored.reference, stored.version) == (record.reference, 1)
    assert stored.receipt == record.central_receipt
    assert stored.confirmed_by == officer.username
    assert (record.push_deadline - record.confirmed_at).total_seconds() == 48 * 3600
    assert AuditEntry.objects.filter(action="closure.confirmed").count() == 1


def test_a_confirmed_closure_is_immutable_and_a_correction_supersedes_it(
    reference_data_tx, office, central
):
    officer = UserFactory()
    grant(officer, "collection_officer", office("0101"))
    record = services.closure_confirm(actor=officer, record=_draft(office("0101"), officer))
    record.full_name = "Đổi tên"
    with pytest.raises(ImmutableClosure):
        record.save()
    correction = services.closure_correct(
        actor=officer,
        record=record,
        periods=[services.Period(date(2019, 1, 1), date(2021, 6, 1), Decimal(6000000), Decimal(8))],
    )
    services.closure_confirm(actor=officer, record=correction)
    record.refresh_from_db()
    assert record.status == "superseded"
    versions = CentralClosure.objects.using("central").filter(reference=record.reference)
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]


def test_the_sweep_pushes_due_records_in_batches_and_a_replay_changes_nothing(
    reference_data_tx, office, central, settings
):
    settings.CLOSURE_PUSH_BATCH_SIZE = 7
    records = confirmed_closures(30, office=office("0101"))
    outcome = push.closure_push_due()
    assert outcome.pushed == 30
    receipts = dict(ClosureRecord.objects.values_list("reference", "central_receipt"))
    # The same records posted again (as after a crash between post and mark) are stored once.
    ClosureRecord.objects.update(push_state=PushState.PENDING, push_next_at=records[0].confirmed_at)
    again = push.closure_push_due()
    assert (again.pushed, again.already) == (0, 30)
    assert CentralClosure.objects.using("central").count() == 30
    assert dict(ClosureRecord.objects.values_list("reference", "central_receipt")) == receipts


def test_a_record_the_central_store_refuses_fails_without_retry(reference_data_tx, office, central):
    [record] = confirmed_closures(1, office=office("0101"))
    ClosureRecord.objects.filter(pk=record.pk).update(unit_code="")  # invalid at central
    outcome = push.closure_push_due()
    record.refresh_from_db()
    assert outcome.failed == 1
    assert record.push_state == PushState.FAILED
    assert record.push_next_at is None
    assert "rejected" in record.push_error


def test_retries_back_off_exponentially_with_jitter_below_the_visibility_timeout(
    reference_data_tx, office, settings
):
    settings.CLOSURE_CENTRAL_URL = "http://127.0.0.1:9"  # nothing listens: refused
    settings.CLOSURE_BACKOFF_CAP_SECONDS = 10**7
    records = confirmed_closures(40, office=office("0101"))
    for attempts, record in enumerate(records):
        ClosureRecord.objects.filter(pk=record.pk).update(push_attempts=attempts)
    before = timezone.now()
    push.closure_push_due()
    after = timezone.now()
    base = settings.CLOSURE_BACKOFF_BASE_SECONDS
    for attempts, record in enumerate(records):
        record.refresh_from_db()
        assert record.push_state == PushState.FAILED
        assert record.push_attempts == attempts + 1
        ideal = min(base * 2**attempts, settings.CELERY_MAX_COUNTDOWN - 1)
        assert before + timedelta(seconds=ideal * 0.5) <= record.push_next_at
        assert record.push_next_at <= after + timedelta(seconds=ideal)
        assert record.push_next_at - after < timedelta(seconds=settings.CELERY_MAX_COUNTDOWN)
