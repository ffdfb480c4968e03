"""Headless Chromium: an employer downloads its receipt's PDF (signed by the agency's key on
SoftHSM), the QR code printed in it is decoded (zxing-cpp) and "scanned" on a phone-sized
screen (375 × 812): the public page says genuine, and nothing is wider than the screen."""

from __future__ import annotations

import io

import pytest

from core import agency_signing
from declarations.intake.pipeline import intake_submit
from tests.declarations.conftest import MST, dossier_xml, register_cert, worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def hsm(settings, live_server):
    from tests.agency_hsm import agency_hsm

    made = agency_hsm()
    made.configure(settings)
    settings.SITE_URL = live_server.url  # what the QR code links to
    yield made
    agency_signing.agency_sessions_close()


def qr_in(pdf: bytes) -> list[str]:
    import zxingcpp
    from pypdf import PdfReader

    return [
        found.text
        for page in PdfReader(io.BytesIO(pdf)).pages
        for image in page.images
        for found in zxingcpp.read_barcodes(image.image)
    ]


def test_the_qr_of_a_downloaded_notice_opens_its_genuine_page_on_a_phone(
    hsm, unit_pki, page, browser, live_server, artifacts_dir
):
    from declarations.dossiers.models import IssuedDocument
    from declarations.employers.models import EStatus
    from declarations.employers.pki.signing import sign_dossier
    from tests.browser.test_declarations_flow import sign_in
    from tests.factories import TEST_PASSWORD, EmployerFactory, employer_user

    _, pki = unit_pki
    employer = EmployerFactory(
        unit_code="TZH490L", tax_code=MST, wage_zone="I", e_status=EStatus.ACTIVE
    )
    register_cert(employer, pki.good)
    data = sign_dossier(
        dossier_xml(employer, [worker(1)]), key_pem=pki.good.key_pem, cert_pem=pki.good.cert_pem
    )
    result = intake_submit(data=data, channel="cli")  # committed: the document issued at once
    assert result.ok, result.errors_as_dicts()
    document = IssuedDocument.objects.get(notice=result.receipt)
    member = employer_user(employer, username="ketoan_tzh490l")

    sign_in(page, member.username, TEST_PASSWORD)
    page.goto(f"/giao-dich/thong-bao/{result.receipt.pk}/")
    assert document.code_display in page.get_by_test_id("notice-verification").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải PDF").click()
    pdf = download.value.path().read_bytes()
    assert b"/ByteRange" in pdf  # the agency's signature is in the file handed out

    (url,) = qr_in(pdf)
    assert url.startswith(live_server.url) and document.code in url

    phone = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        scan = phone.new_page()
        scan.goto(url)  # no login: a stranger's phone
        verdict = scan.get_by_test_id("verdict")
        assert verdict.get_attribute("data-state") == "genuine"
        assert scan.get_by_text("Văn bản thật, do cơ quan BHXH ký số").is_visible()
        assert scan.get_by_text("Genuine: signed by the social insurance agency").is_visible()
        assert employer.unit_code in verdict.inner_text()
        width = scan.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] == PHONE["width"], width
        scan.screenshot(path=str(artifacts_dir / "verification-phone.png"), full_page=True)
    finally:
        phone.close()
