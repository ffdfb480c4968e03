"""Personnel decisions act at midnight of their effective date (time travel)."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import hooks, lifecycle, scope
from accounts.models import ApplicationGrant, AuditEntry, Membership, PersonnelDecision
from accounts.selectors import office_resolve
from accounts.tasks import lifecycle_run
from tests.factories import TEST_PASSWORD

from .timeutil import soon, vn

pytestmark = pytest.mark.django_db


def record(people, user, kind, effective_on, **kwargs):
    return lifecycle.decision_record(
        actor=people.hn_admin,
        user=user,
        number=kwargs.pop("number", f"QĐ-{kind}-{effective_on:%d%m}"),
        signed_on=kwargs.pop("signed_on", effective_on - timedelta(days=5)),
        kind=kind,
        effective_on=effective_on,
        **kwargs,
    )


def login(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return response


def test_decision_dated_tomorrow_locks_at_midnight_and_not_before(people):
    day = soon()
    with time_machine.travel(vn(day, 15, 0), tick=False) as clock:
        decision = record(people, people.officer, "maternity", day + timedelta(days=1))
        assert decision.status == "pending"
        clock.move_to(vn(day, 23, 59, 59))
        lifecycle_run.delay()
        people.officer.refresh_from_db()
        assert people.officer.is_active
        clock.move_to(vn(day + timedelta(days=1), 0, 0, 1))
        lifecycle_run.delay()
    people.officer.refresh_from_db()
    decision.refresh_from_db()
    assert not people.officer.is_active
    assert decision.status == "applied"
    entry = AuditEntry.objects.get(action="account.locked", target_id=str(people.officer.pk))
    assert entry.data["decision"] == decision.pk
    assert entry.data["applications"] == ["receiving"]


def test_decision_whose_date_has_passed_acts_at_once(people):
    day = soon()
    with time_machine.travel(vn(day, 9, 0), tick=False):
        decision = record(people, people.officer, "sick_leave", day - timedelta(days=3))
    decision.refresh_from_db()
    people.officer.refresh_from_db()
    assert decision.status == "applied"
    assert not people.officer.is_active


def test_lock_ends_sessions_and_tokens_at_once_and_hands_work_back(people, client):
    revoked, handed = [], []
    tokens = {people.officer.pk: {"tok-1", "tok-2"}}

    def revoke(*, user, actor, reason):
        revoked.append((user.pk, reason))
        return len(tokens.pop(user.pk, set()))

    def hand_back(*, user, actor, reason):
        handed.append(user.pk)
        return 3

    hooks.register_token_revoker("test.tokens", revoke)
    hooks.register_work_handback("test.claims", hand_back)
    try:
        login(client, people.officer)
        assert client.get(reverse("home")).status_code == 200
        api = client.get("/tai-khoan/api/v1/users/")  # a session-authenticated API call
        assert api.status_code == 403  # no right, but authenticated
        assert Session.objects.count() == 1
        record(people, people.officer, "retirement", soon(0))
        # The very next request is anonymous: the session row is gone, the token too.
        assert client.get(reverse("home")).status_code == 302
        assert client.get("/tai-khoan/api/v1/users/").status_code in (401, 403)
        assert Session.objects.count() == 0
        assert people.officer.pk not in tokens
        assert revoked and handed == [people.officer.pk]
        entry = AuditEntry.objects.get(action="account.locked")
        assert entry.data["sessions_ended"] == 1
        assert entry.data["tokens_revoked"] == {"test.tokens": 2}
        assert entry.data["work_handed_back"]["test.claims"] == 3  # other apps register too
    finally:
        hooks.unregister("test.tokens")
        hooks.unregister("test.claims")


def test_locked_user_cannot_sign_in(people, client):
    record(people, people.officer, "other", soon(0))
    response = client.post(
        reverse("accounts:login"),
        {"username": people.officer.username, "password": TEST_PASSWORD},
    )
    assert response.status_code == 200  # the form again, no session


def test_transfer_moves_memberships_and_rights_at_midnight(people):
    day = soon()
    hcm = office_resolve("7901")
    old = office_resolve("0101")
    with time_machine.travel(vn(day, 10, 0), tick=False) as clock:
        record(people, people.officer, "transfer", day + timedelta(days=1), new_office=hcm)
        assert scope.may(people.officer, "accounts.receive_dossiers", old)
        clock.move_to(vn(day + timedelta(days=1), 0, 0, 30))
        lifecycle_run.delay()
        people.officer.__dict__.pop("_scope_memberships", None)
        assert scope.may(people.officer, "accounts.receive_dossiers", hcm)
        assert not scope.may(people.officer, "accounts.receive_dossiers", old)
        active = Membership.objects.active().get(user=people.officer)
        assert active.office == hcm and active.role_id == "receiving_officer"
        grants = ApplicationGrant.objects.active().filter(user=people.officer)
        assert [(g.application_id, g.office_id) for g in grants] == [("receiving", hcm.pk)]
    ended = Membership.objects.get(user=people.officer, office=old)
    assert ended.valid_to == day
    people.officer.refresh_from_db()
    assert people.officer.is_active
    entry = AuditEntry.objects.get(action="rights.transferred")
    assert entry.data["to_office"] == hcm.pk and entry.data["applications"] == ["receiving"]


def test_return_from_leave_reactivates_on_its_date(people):
    day = soon()
    with time_machine.travel(vn(day, 8, 0), tick=False) as clock:
        record(people, people.officer, "maternity", day)
        record(people, people.officer, "return", day + timedelta(days=2), number="QĐ-ĐLL")
        people.officer.refresh_from_db()
        assert not people.officer.is_active
        clock.move_to(vn(day + timedelta(days=1), 23, 59))
        lifecycle_run.delay()
        people.officer.refresh_from_db()
        assert not people.officer.is_active
        clock.move_to(vn(day + timedelta(days=2), 0, 0, 1))
        lifecycle_run.delay()
    people.officer.refresh_from_db()
    assert people.officer.is_active
    assert AuditEntry.objects.filter(action="account.reactivated").count() == 1


def test_a_late_recorded_earlier_decision_does_not_undo_a_later_one(people):
    day = soon()
    with time_machine.travel(vn(day, 8, 0), tick=False):
        record(people, people.officer, "sick_leave", day, number="A")
        late = record(people, people.officer, "return", day - timedelta(days=2), number="B")
    late.refresh_from_db()
    people.officer.refresh_from_db()
    assert late.status == "superseded"
    assert not people.officer.is_active


def test_retirement_ends_rights(people):
    day = soon()
    with time_machine.travel(vn(day, 8, 0), tick=False):
        record(people, people.officer, "retirement", day)
        assert not Membership.objects.active().filter(user=people.officer).exists()
        assert not ApplicationGrant.objects.active().filter(user=people.officer).exists()


def test_cancelled_decision_never_acts(people, client):
    day = soon()
    with time_machine.travel(vn(day, 8, 0), tick=False) as clock:
        decision = record(people, people.officer, "other", day + timedelta(days=1))
        client.force_login(people.hn_admin)
        client.post(reverse("accounts:decision_cancel", args=[decision.pk]))
        clock.move_to(vn(day + timedelta(days=2), 1, 0))
        lifecycle_run.delay()
    people.officer.refresh_from_db()
    assert people.officer.is_active
    assert PersonnelDecision.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "transfer"}, "ACC-DECISION-OFFICE"),
        ({"kind": "maternity", "number": " "}, "ACC-DECISION-NUMBER"),
        ({"kind": "bogus"}, "ACC-DECISION-KIND"),
    ],
)
def test_bad_decisions_are_refused_with_a_code(people, kwargs, code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        record(people, people.officer, effective_on=soon(), **kwargs)
    assert exc.value.error_list[0].code == code
    assert not PersonnelDecision.objects.exists()


def test_another_province_admin_may_not_record_or_see(people, client):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        lifecycle.decision_record(
            actor=people.th_admin,
            user=people.officer,
            number="X",
            signed_on=soon(),
            kind="other",
            effective_on=soon(),
        )
    decision = record(people, people.officer, "other", soon())
    client.force_login(people.th_admin)
    assert client.get(reverse("accounts:decision_detail", args=[decision.pk])).status_code == 404
    assert decision.number not in client.get(reverse("accounts:decisions")).content.decode()
    client.force_login(people.officer)
    assert client.get(reverse("accounts:decisions")).status_code == 403


def test_decision_page_records_and_shows_it(people, client):
    client.force_login(people.hn_admin)
    page = client.get(reverse("accounts:decision_new"))
    assert people.officer.username in page.content.decode()
    assert people.th_admin.username not in page.content.decode()  # not in Hà Nội
    day = soon()
    response = client.post(
        reverse("accounts:decision_new"),
        {
            "user": people.officer.pk,
            "number": "125/QĐ-BHXH",
            "signed_on": day.isoformat(),
            "kind": "maternity",
            "effective_on": day.isoformat(),
        },
    )
    decision = PersonnelDecision.objects.get()
    assert response.status_code == 302
    assert decision.status == "pending" and decision.office == office_resolve("0101")


def test_beat_runs_the_job_at_midnight():
    from django.conf import settings

    from portal.settings import base

    entry = base.CELERY_BEAT_SCHEDULE["accounts-lifecycle"]
    assert entry["task"] == "accounts.tasks.lifecycle_run"
    assert 0 in entry["schedule"].minute and 0 in entry["schedule"].hour
    assert base.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh" == settings.TIME_ZONE


def test_the_job_forgets_sessions_that_have_ended(people, client):
    from accounts.models import LoginSession

    login(client, people.officer)
    client.logout()
    login(client, people.hn_admin)
    assert LoginSession.objects.count() == 2
    result = lifecycle_run.delay().result
    assert result["sessions_pruned"] == 1
    assert list(LoginSession.objects.values_list("user", flat=True)) == [people.hn_admin.pk]
