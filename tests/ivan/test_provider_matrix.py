"""Provider × employer access matrix: a provider never reads or submits for an employer
another provider carries (or none carries) — every endpoint."""

import pytest

from declarations.dossiers.models import Dossier
from declarations.employers.models import EmployerChannel, Registration
from ivan.client import ApiError

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(api, carried, sign, pki_demo):
    own = carried("VNPT", "VN0001A")
    theirs = carried("BKAV", "BK0001A")
    nobody = carried(None, "PT0001A")
    vnpt, bkav = api("VNPT"), api("BKAV")
    theirs_receipt = bkav.submit_dossier(sign(theirs))
    own_receipt = vnpt.submit_dossier(sign(own))
    return {
        "own": own,
        "theirs": theirs,
        "nobody": nobody,
        "vnpt": vnpt,
        "bkav": bkav,
        "own_code": own_receipt["transaction_code"],
        "theirs_code": theirs_receipt["transaction_code"],
        "sign": sign,
        "cert": pki_demo.good.cert_pem,
    }


def refused(call) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value.status, caught.value.code


def test_submit_for_another_providers_or_no_providers_employer(world):
    vnpt, sign = world["vnpt"], world["sign"]
    for unit in (world["theirs"], world["nobody"]):
        assert refused(lambda u=unit: vnpt.submit_dossier(sign(u))) == (403, "CHANNEL_FORBIDDEN")
    assert Dossier.objects.count() == 2


def test_dossier_reads(world):
    vnpt, bkav = world["vnpt"], world["bkav"]
    assert refused(lambda: vnpt.dossier(world["theirs_code"])) == (404, "IVAN_NOT_FOUND")
    assert refused(lambda: bkav.dossier(world["own_code"])) == (404, "IVAN_NOT_FOUND")
    assert [d["transaction_code"] for d in vnpt.dossiers()] == [world["own_code"]]
    assert [d["transaction_code"] for d in bkav.dossiers()] == [world["theirs_code"]]
    assert list(vnpt.dossiers(unit_code="BK0001A")) == []


def test_notice_reads(world):
    vnpt_notices, _ = world["vnpt"].notices()
    bkav_notices, _ = world["bkav"].notices()
    assert {n["transaction_code"] for n in vnpt_notices} == {world["own_code"]}
    assert {n["transaction_code"] for n in bkav_notices} == {world["theirs_code"]}


def test_employer_reads(world):
    vnpt = world["vnpt"]
    assert [e["unit_code"] for e in vnpt.iterate("employers")] == ["VN0001A"]
    for unit in ("BK0001A", "PT0001A"):
        assert refused(lambda u=unit: vnpt.request("GET", f"employers/{u}")) == (
            404,
            "IVAN_NOT_FOUND",
        )


def test_employer_changes_and_stops(world):
    vnpt = world["vnpt"]
    for unit in ("BK0001A", "PT0001A"):
        assert refused(lambda u=unit: vnpt.change_employer(u, contact_email="x@y.vn")) == (
            404,
            "IVAN_NOT_FOUND",
        )
        assert refused(lambda u=unit: vnpt.stop_employer(u)) == (404, "IVAN_NOT_FOUND")
    assert EmployerChannel.objects.get(employer=world["theirs"]).provider.code == "BKAV"
    world["theirs"].refresh_from_db()
    assert world["theirs"].e_status == "active"


def test_registration_for_another_providers_employer(world):
    vnpt = world["vnpt"]
    fields = {
        "unit_name": "Công ty khác",
        "address": "1 Hai Bà Trưng",
        "tax_code": "0101300842",
        "email": "a@b.vn",
        "phone": "0243 111 2222",
        "procedures": "600",
    }
    assert refused(
        lambda: vnpt.register_employer(
            certificate_pem=world["cert"],
            signed_form=b"<not-read/>",  # the employer is refused before the proof is read
            unit_code="BK0001A",
            **fields,
        )
    ) == (403, "IVAN_EMPLOYER_NOT_CARRIED")
    assert not Registration.objects.exists()
