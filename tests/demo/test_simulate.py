"""A week of the simulation (``manage.py simulate --days 7 --employers 3``) on the test
databases: the compliance table comes out whole and nothing is lost or duplicated."""

import pytest
from django.core.management import CommandError, call_command

from declarations.dossiers.models import Dossier
from declarations.people.models import HealthCard

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "central"])


def test_refuses_the_configured_database_without_a_flag(reference_data_tx):
    with pytest.raises(CommandError, match="refusing"):
        call_command("simulate", days=1, employers=1)


def test_a_simulated_week(reference_data_tx, capsys, settings):
    settings.CLOSURE_PUSH_TIMEOUT_SECONDS = 2
    call_command("simulate", days=7, employers=3, use_configured_database=True)
    out = capsys.readouterr().out
    print(out)
    assert "| **lost** | **0** |" in out
    assert "| **duplicated** | **0** |" in out
    assert "| audit chain broken at | — |" in out
    assert "| receipts issued at once (same transaction) | " in out
    assert Dossier.objects.filter(channel="portal").exists()
    assert Dossier.objects.filter(channel="ivan").exists()
    # Accepted hires got cards; the table reports them and the cards asked back.
    assert HealthCard.objects.filter(employer__unit_code__startswith="SIM").exists()
    assert "| cards issued on time (decided within the limit) | " in out
    assert "| cards to return, returned | " in out
