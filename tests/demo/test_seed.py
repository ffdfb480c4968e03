"""seed_demo: one user per role, a few employers, idempotent."""

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry, Membership, Role, User
from declarations.employers.models import Employer

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role_and_is_idempotent(capsys, settings):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert settings.DEMO_PASSWORD in out
    counts = (
        User.objects.count(),
        Membership.objects.count(),
        Employer.objects.count(),
        AuditEntry.objects.count(),
    )
    for role in Role.objects.all():
        holder = Membership.objects.get(role=role).user
        assert holder.check_password(settings.DEMO_PASSWORD)
        assert holder.username in out
    assert Employer.objects.count() >= 3
    call_command("seed_demo")
    assert counts == (
        User.objects.count(),
        Membership.objects.count(),
        Employer.objects.count(),
        AuditEntry.objects.count(),
    )
