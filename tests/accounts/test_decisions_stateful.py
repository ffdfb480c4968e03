"""Hypothesis stateful test: over random decisions, logins and time steps, a user is
active exactly when the decisions in force say so, a lock ends their session, and their
rights sit at the office of the latest transfer in force."""

import os
from datetime import timedelta

import pytest
import time_machine
from axes.utils import reset as axes_reset
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from accounts import lifecycle
from accounts.models import LOCKING_KINDS, DecisionKind
from accounts.tasks import lifecycle_run
from tests.factories import TEST_PASSWORD, UserFactory, grant

from .timeutil import soon, vn

pytestmark = pytest.mark.django_db

STATUS = sorted(LOCKING_KINDS) + [DecisionKind.RETURN]


class DecisionMachine(RuleBasedStateMachine):
    """The model: the latest decision in force (effective date, then order of recording)
    decides; no decision means open."""

    admin = None
    serial = 0

    @initialize()
    def start(self):
        DecisionMachine.serial += 1
        self.now = vn(soon(), 9, 0)
        self.clock = time_machine.travel(self.now, tick=False)
        self.traveller = self.clock.start()
        self.user = UserFactory(username=f"sm{DecisionMachine.serial}")
        from accounts.selectors import office_resolve

        grant(self.user, "receiving_officer", office_resolve("0101"))
        self.decisions: list[tuple] = []  # (effective_on, seq, kind)
        self.transfers: list[tuple] = []  # (effective_on, seq, office code)
        self.client = Client()
        self.signed_in = False

    def teardown(self):
        if getattr(self, "clock", None) is not None:
            self.clock.stop()

    def expected_active(self) -> bool:
        today = self.now.date()
        in_force = [d for d in self.decisions if d[0] <= today]
        if not in_force:
            return True
        return max(in_force)[2] not in LOCKING_KINDS

    @rule(kind=st.sampled_from(STATUS), offset=st.integers(min_value=-3, max_value=3))
    def record_decision(self, kind, offset):
        effective_on = self.now.date() + timedelta(days=offset)
        decision = lifecycle.decision_record(
            actor=DecisionMachine.admin,
            user=self.user,
            number=f"QĐ-{len(self.decisions)}",
            signed_on=self.now.date(),
            kind=kind,
            effective_on=effective_on,
        )
        self.decisions.append((effective_on, decision.pk, kind))

    @rule(
        code=st.sampled_from(["0101", "0102", "7901"]),
        offset=st.integers(min_value=-3, max_value=3),
    )
    def record_transfer(self, code, offset):
        from django.core.exceptions import ValidationError

        from accounts.selectors import office_resolve

        effective_on = self.now.date() + timedelta(days=offset)
        try:
            decision = lifecycle.decision_record(
                actor=DecisionMachine.admin,
                user=self.user,
                number=f"ĐĐ-{len(self.transfers)}",
                signed_on=self.now.date(),
                kind=DecisionKind.TRANSFER,
                effective_on=effective_on,
                new_office=office_resolve(code),
            )
        except ValidationError as exc:
            assert exc.error_list[0].code == "ACC-DECISION-OFFICE"
            assert lifecycle.user_office(self.user).code == code
            return
        self.transfers.append((effective_on, decision.pk, code))

    @invariant()
    def rights_sit_at_the_latest_transfers_office(self):
        if not hasattr(self, "user"):
            return
        from accounts.models import Membership

        today = self.now.date()
        in_force = [t for t in self.transfers if t[0] <= today]
        expected = max(in_force)[2] if in_force else "0101"
        offices = set(
            Membership.objects.active(today)
            .filter(user=self.user)
            .values_list("office__code", flat=True)
        )
        assert offices in (set(), {expected})

    @rule(
        days=st.integers(min_value=0, max_value=2),
        hour=st.integers(min_value=0, max_value=23),
    )
    def time_passes(self, days, hour):
        target = vn(self.now.date() + timedelta(days=days), hour, 0)
        if target <= self.now:
            target = self.now + timedelta(minutes=1)
        self.now = target
        self.traveller.move_to(self.now)
        lifecycle_run.delay()  # the beat job, as at every quarter hour

    @rule()
    def sign_in(self):
        response = self.client.post(
            reverse("accounts:login"),
            {"username": self.user.username, "password": TEST_PASSWORD},
        )
        axes_reset(username=self.user.username)
        signed_in = response.status_code == 302
        assert signed_in == self.expected_active()
        self.signed_in = self.signed_in or signed_in

    @invariant()
    def active_exactly_when_decisions_say(self):
        if not hasattr(self, "user"):
            return
        self.user.refresh_from_db()
        assert self.user.is_active == self.expected_active()

    @invariant()
    def a_locked_user_has_no_session(self):
        if not getattr(self, "signed_in", False):
            return
        response = self.client.get(reverse("home"))
        if not self.expected_active():
            assert response.status_code == 302
            self.signed_in = False
        else:
            # A session survives only if no lock came in between; a fresh sign-in renews it.
            self.signed_in = response.status_code == 200


def test_user_is_active_exactly_when_the_decisions_say(applications):
    admin = UserFactory(username="sm_admin")
    from accounts.selectors import office_resolve

    grant(admin, "central_it", office_resolve("00"))  # transfers leave the province
    DecisionMachine.admin = admin
    run_state_machine_as_test(
        DecisionMachine,
        settings=settings(
            max_examples=int(os.environ.get("ACCOUNTS_STATEFUL_EXAMPLES", "25")),
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
