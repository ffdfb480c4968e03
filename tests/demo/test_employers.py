"""seed_demo signs and sends demo dossiers with the command-line tools, once."""

from django.core.management import call_command

from declarations.dossiers.models import Dossier
from declarations.employers.models import RegisteredCertificate


def test_seed_demo_sends_signed_demo_dossiers_once(db, tmp_path, settings):
    settings.DEMO_PKI_DIR = tmp_path / "pki"
    settings.TRUSTED_CA_DIR = tmp_path / "trusted"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    dossiers = Dossier.objects.filter(employer__unit_code__in=["TZH490L", "DV0012A"])
    assert dossiers.count() == 2
    assert all(d.channel == "cli" and d.worker_count == 3 for d in dossiers)
    assert all(d.notices.filter(kind="receipt").exists() for d in dossiers)
    certs = RegisteredCertificate.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert dossiers.count() == 2 and RegisteredCertificate.objects.count() == certs
    assert Dossier.objects.filter(transaction_code__startswith="DEMO-RV-").count() == 6
