"""What a new user trips over first: links in e-mails on the port the server runs on, the
favicon, and passwords hashed with Argon2 (old hashes rewritten at the next login)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


def site_url(settings_module: str, **env) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "PORT", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_e_mail_links_follow_the_port_the_dev_server_runs_on():
    assert site_url("portal.settings.dev", PORT="8032") == "http://127.0.0.1:8032"
    assert site_url("portal.settings.dev") == "http://127.0.0.1:8000"
    assert site_url("portal.settings.dev", PORT="8032", SITE_URL="https://a.vn/") == "https://a.vn"


def test_production_links_name_the_public_host_not_the_dev_default():
    url = site_url(
        "portal.settings.production",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="portal.example.vn,www.portal.example.vn",
        PORT="8000",
    )
    assert url == "https://portal.example.vn"


def test_dev_script_exports_the_port_to_the_server():
    script = (ROOT / "scripts" / "dev.sh").read_text()
    assert "export PORT=" in script.split("runserver")[0]


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == static("portal/favicon.ico")
    found = finders.find("portal/favicon.ico")
    assert found and Path(found).read_bytes()[:4] == b"\x00\x00\x01\x00"  # an .ico file
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon"' in page and "favicon.ico" in page


def test_portal_hashes_passwords_with_argon2_first():
    from portal.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS


@pytest.mark.django_db
def test_an_old_pbkdf2_hash_is_rewritten_as_argon2_at_login(client, settings, reference_data):
    from portal.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    user = UserFactory(username="cu.mat.khau")
    User.objects.filter(pk=user.pk).update(
        password=make_password(TEST_PASSWORD, hasher="pbkdf2_sha256")
    )
    response = client.post(
        reverse("accounts:login"), {"username": "cu.mat.khau", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    stored = User.objects.get(pk=user.pk).password
    assert stored.startswith("argon2$argon2id$")
