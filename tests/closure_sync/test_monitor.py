"""The deadline monitor: alerts once per record, to the right IT staff; banner; compliance."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from closure_sync import monitor
from closure_sync.models import ClosureRecord, PushState
from core.outbox.models import OutboxMessage
from tests.factories import UserFactory, grant

from .helpers import confirmed_closures

pytestmark = pytest.mark.django_db


def _it(office_code, office, email):
    user = UserFactory(email=email)
    grant(user, "it_staff", office(office_code))
    return user


def test_at_risk_and_overdue_alert_once_each_to_the_offices_it_staff(reference_data, office):
    _it("01", office, "hanoi@example.vn")
    _it("79", office, "hcm@example.vn")
    start = timezone.now()
    confirmed_closures(3, office=office("0101"), confirmed_at=start)
    with time_machine.travel(start + timedelta(hours=30)):
        assert monitor.closure_deadline_check() == {"at_risk": 0, "overdue": 0}
    with time_machine.travel(start + timedelta(hours=37)):
        assert monitor.closure_deadline_check() == {"at_risk": 3, "overdue": 0}
        assert monitor.closure_deadline_check() == {"at_risk": 0, "overdue": 0}
    with time_machine.travel(start + timedelta(hours=49)):
        assert monitor.closure_deadline_check() == {"at_risk": 0, "overdue": 3}
    mails = OutboxMessage.objects.filter(key__startswith="closure-").order_by("id")
    assert [m.payload["to"] for m in mails] == [["hanoi@example.vn"], ["hanoi@example.vn"]]
    assert "12" in mails[0].payload["body"] or "12 giờ" in mails[0].payload["body"]


def test_pushed_and_old_history_records_raise_no_alert(reference_data, office):
    _it("01", office, "hanoi@example.vn")
    start = timezone.now()
    [done] = confirmed_closures(1, office=office("0101"), confirmed_at=start)
    ClosureRecord.objects.filter(pk=done.pk).update(push_state=PushState.PUSHED)
    confirmed_closures(1, office=office("0101"), confirmed_at=start - timedelta(days=400))
    with time_machine.travel(start + timedelta(hours=49)):
        assert monitor.closure_deadline_check() == {"at_risk": 0, "overdue": 0}


def test_home_banner_for_it_staff_in_reach_only(client, reference_data, office):
    hanoi = _it("01", office, "hanoi@example.vn")
    hcm = _it("79", office, "hcm@example.vn")
    confirmed_closures(2, office=office("0101"), confirmed_at=timezone.now() - timedelta(hours=40))
    client.force_login(hanoi)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="closure-banner"' in page
    client.force_login(hcm)
    assert 'data-testid="closure-banner"' not in client.get(reverse("home")).content.decode()


def test_compliance_page_shares_and_overdue_list(client, reference_data, office):
    user = _it("01", office, "hanoi@example.vn")
    start = timezone.now() - timedelta(days=3)
    on_time = confirmed_closures(3, office=office("0101"), confirmed_at=start)
    ClosureRecord.objects.filter(pk__in=[r.pk for r in on_time[:2]]).update(
        push_state=PushState.PUSHED, pushed_at=start + timedelta(hours=1)
    )
    ClosureRecord.objects.filter(pk=on_time[2].pk).update(
        push_error="ConnectError: [Errno 111] Connection refused",
        push_error_code="closure.central_unavailable",
    )
    client.force_login(user)
    page = client.get(reverse("closure_sync:compliance"))
    [row] = page.context["stats"]
    assert (row["total"], row["on_time"], row["share"]) == (3, 2, 66.7)
    assert [r.pk for r in page.context["overdue"]] == [on_time[2].pk]
    html = page.content.decode()
    assert "<svg" in html
    # The code's message, never the technical detail (an exception name, English text).
    assert "[closure.central_unavailable] Hiện không kết nối được kho trung ương" in html
    assert "ConnectError" not in html and "Errno" not in html
    client.force_login(UserFactory())
    assert client.get(reverse("closure_sync:compliance")).status_code == 403
