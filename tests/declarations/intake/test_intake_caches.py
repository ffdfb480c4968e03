"""What intake keeps between dossiers (trust store, chain verdicts, reference tables) is
dropped as soon as what it was read from changes: the next dossier sees the change."""

from datetime import timedelta

from declarations.dossiers.clock import deadline_compute
from declarations.dossiers.models import ProcedureTimeLimit
from declarations.employers.pki import demo_ca as pki
from declarations.intake.models import ContributionRate, RegionalMinimumWage
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import worker


def _codes(result) -> set[str]:
    return {e.code for e in result.errors}


def test_a_crl_added_to_the_trust_folder_revokes_the_certificate_for_the_next_dossier(
    signed, trust_dir, demo_pki
):
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    (trust_dir / "added.crl").write_bytes(pki.crl_create(demo_pki.ca, [demo_pki.good.cert]))
    assert "CERT_REVOKED" in _codes(intake_submit(data=signed([worker(2)]), channel="cli"))


def test_a_crl_rewritten_in_place_revokes_the_certificate_for_the_next_dossier(
    signed, trust_dir, demo_pki
):
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    (trust_dir / "demo-ca.crl").write_bytes(
        pki.crl_create(demo_pki.ca, [demo_pki.revoked.cert, demo_pki.good.cert])
    )
    assert "CERT_REVOKED" in _codes(intake_submit(data=signed([worker(2)]), channel="cli"))


def test_a_minimum_wage_changed_by_a_bulk_update_applies_to_the_next_dossier(signed):
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    # A queryset update sends no signal: the change is seen from the tables themselves.
    RegionalMinimumWage.objects.filter(zone="I").update(amount=7_000_000)
    refused = intake_submit(data=signed([worker(2)]), channel="cli")
    assert _codes(refused) == {"ROW_SALARY_BELOW_MINIMUM"}


def test_a_contribution_rate_added_applies_to_the_next_dossier(signed):
    assert intake_submit(data=signed([worker(1)]), channel="cli").ok
    latest = ContributionRate.objects.order_by("-valid_from").first()
    ContributionRate.objects.create(
        fund=latest.fund,
        party=latest.party,
        percent=latest.percent + 1,
        valid_from=latest.valid_from + timedelta(days=1),
    )
    refused = intake_submit(data=signed([worker(2)]), channel="cli")
    assert _codes(refused) == {"ROW_RATE_MISMATCH"}


def test_a_time_limit_changed_moves_the_deadline_of_the_next_dossier(signed):
    first = intake_submit(data=signed([worker(1)]), channel="cli").dossier
    assert first.deadline is not None and first.deadline == deadline_compute(first)
    ProcedureTimeLimit.objects.filter(procedure_code="600").update(working_days=30)
    second = intake_submit(data=signed([worker(2)]), channel="cli").dossier
    assert second.deadline > first.deadline
    assert second.deadline == deadline_compute(second)
