"""Headless Chromium signs in through the local identity provider (a real server process).

The login page's SSO button → the provider's own login page → back in the portal, signed
in; a role that needs the second factor is asked for it before anything else."""

import pytest

from accounts.selectors import office_resolve
from tests.accounts.sso_support import PASSWORD, idp, portal_sso_settings  # noqa: F401
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.browser


@pytest.fixture
def sso(settings, idp, reference_data_tx):  # noqa: F811
    portal_sso_settings(settings, idp.issuer)
    return idp


def sign_in_through_the_provider(page, provider_base: str, email: str) -> None:
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_role("link", name="Đăng nhập bằng tài khoản thư điện tử công vụ").click()
    page.wait_for_url(f"{provider_base}/dang-nhap/**")
    page.get_by_label("Thư điện tử công vụ").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_staff_signs_in_with_the_official_email_account(sso, page, live_server, artifacts_dir):
    user = UserFactory(username="canbo_sso", email="can.bo@bhxh.gov.vn")
    grant(user, "receiving_officer", office_resolve("0101"))
    sign_in_through_the_provider(page, sso.base, "can.bo@bhxh.gov.vn")
    page.wait_for_url(f"{live_server.url}/")
    header = page.get_by_test_id("who")
    assert user.full_name in header.inner_text()
    page.screenshot(path=str(artifacts_dir / "sso-signed-in.png"), full_page=True)


def test_provincial_admin_is_asked_for_the_second_factor_after_sso(settings, sso, page):
    settings.ACCOUNTS_OTP_REQUIRED = True
    admin = UserFactory(username="quantri_sso", email="quan.tri@bhxh.gov.vn")
    grant(admin, "provincial_admin", office_resolve("01"))
    sign_in_through_the_provider(page, sso.base, "quan.tri@bhxh.gov.vn")
    page.wait_for_url("**/tai-khoan/xac-thuc-hai-lop/dang-ky/**")
    assert page.get_by_role("heading", name="Thiết lập xác thực hai lớp").is_visible()


def test_unknown_email_is_told_why_on_the_login_page(sso, page):
    sign_in_through_the_provider(page, sso.base, "khong.co@bhxh.gov.vn")
    page.wait_for_url("**/tai-khoan/dang-nhap/")
    assert "Không có tài khoản nào trên cổng" in page.get_by_role("status").inner_text()
