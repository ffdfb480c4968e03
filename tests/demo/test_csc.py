"""demo_csc enrols the demo units' keys at the remote-signing service and records each unit's
account there on the portal's side, so that the signing page offers remote signing; once."""

from django.core.management import call_command

from declarations.employers.models import Employer
from declarations.signing.models import RemoteSigningAccount
from declarations.signing.selectors import signing_methods


def test_demo_csc_records_the_units_remote_accounts_once(db, tmp_path, settings):
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    settings.TRUSTED_CA_DIR = tmp_path / "trusted"
    settings.SIGNING_CSC_PROVIDERS = {
        "demo-ca": {
            "name": "CA thử nghiệm",
            "base_url": "http://127.0.0.1:9/csc/v2",
            "client_id": "bhxh-portal-demo",
            "client_secret": "demo-secret-for-tests-0123456789",
        }
    }
    quiet = open("/dev/null", "w")  # noqa: SIM115
    call_command("seed_demo", stdout=quiet)
    call_command("demo_csc", stdout=quiet)
    call_command("demo_csc", stdout=quiet)

    accounts = RemoteSigningAccount.objects.select_related("employer", "certificate")
    assert sorted(
        (a.employer.unit_code, a.provider, a.user_ref, a.credential_id) for a in accounts
    ) == sorted(
        (u.unit_code, "demo-ca", u.tax_code, f"{u.unit_code}-SIGN")
        for u in Employer.objects.filter(unit_code__in=["TZH490L", "DV0012A"])
    )
    unit = Employer.objects.get(unit_code="TZH490L")
    offered = signing_methods(unit).remote
    assert [a.credential_id for a in offered] == ["TZH490L-SIGN"]
    assert offered[0].certificate.replaced_at is None
