"""The demo app is a development app: dev and test settings install it, production not."""

import pytest

from tests.portal.test_settings import run

PROBE = (
    "import django; django.setup(); from django.apps import apps; print(apps.is_installed('demo'))"
)
PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-settings-probe-0123456789",
    "ALLOWED_HOSTS": "portal.example.vn",
}


@pytest.mark.parametrize(
    ("module", "installed"),
    [
        ("portal.settings.production", False),
        ("portal.settings.base", False),
        ("portal.settings.dev", True),
        ("portal.settings.test", True),
    ],
)
def test_only_dev_and_test_settings_install_the_demo(module, installed):
    result = run(PROBE, module, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(installed)


def test_production_has_no_demo_commands():
    result = run(
        "import django; django.setup(); from django.core.management import get_commands; "
        "print(sorted({'seed_demo', 'simulate'} & set(get_commands())))",
        "portal.settings.production",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
