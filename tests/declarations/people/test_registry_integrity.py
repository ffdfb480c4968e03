"""The registry's references without database constraints are checked by the nightly job."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError

from declarations.intake.pipeline import intake_submit
from declarations.people.integrity import registry_integrity_check, registry_orphans
from declarations.people.models import EmploymentSpell, HealthCard, Person
from declarations.review.services import dossier_transition
from portal.settings import base
from tests.declarations.conftest import worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(signed):
    result = intake_submit(data=signed([worker(1), worker(2)]), channel="cli")
    assert result.ok, result.errors_as_dicts("en")
    dossier_transition(actor=None, dossier=result.dossier, to="in_review")
    return dossier_transition(actor=None, dossier=result.dossier, to="accepted")


def test_an_accepted_list_leaves_no_orphan(accepted):
    found = registry_orphans()
    assert found["people_employmentspell.person_id"] == 0
    assert found["people_employmentspell.employer_id"] == 0
    assert not any(found.values())
    call_command("people_check")  # exits 0


def test_a_row_whose_person_is_gone_is_found(accepted):
    spell = EmploymentSpell.objects.order_by("id").first()
    card = HealthCard.objects.order_by("id").first()
    missing = Person.objects.order_by("-id").values_list("id", flat=True).first() + 1000
    with connection.cursor() as cursor:  # a hand-made fix, as the ORM cannot do it
        # A constraint, were there one, would refuse the statements now, not at the commit
        # the test never reaches.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "UPDATE people_employmentspell SET person_id = %s WHERE id = %s", [missing, spell.pk]
        )
        cursor.execute(
            f"UPDATE {HealthCard._meta.db_table} SET employer_id = %s WHERE id = %s",  # noqa: S608
            [spell.employer_id + 1000, card.pk],
        )
    orphans = registry_integrity_check()
    assert orphans == {
        "people_employmentspell.person_id": 1,
        f"{HealthCard._meta.db_table}.employer_id": 1,
    }
    with pytest.raises(CommandError, match="2 references"):
        call_command("people_check")


def test_the_orm_still_refuses_to_delete_a_person_with_a_history(accepted):
    person = EmploymentSpell.objects.order_by("id").first().person
    with pytest.raises(ProtectedError):
        person.delete()


def test_the_check_runs_every_night():
    entry = base.CELERY_BEAT_SCHEDULE["people-registry-integrity"]
    assert entry["task"] == "declarations.people.tasks.registry_integrity_check"
    from portal.celery import app

    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
