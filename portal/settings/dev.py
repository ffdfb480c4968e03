"""Development: the dev command's settings (DEBUG on, everything else as ``base``)."""

import base64
import hashlib

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, SECRET_KEY, SIGNING_CSC_PROVIDERS, SITE_URL, env

DEBUG = True
# The demo data and the simulated year (``seed_demo``, ``simulate``); production never has them.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "csc_service"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# SQLite ignores the covering indexes' INCLUDE columns; PostgreSQL uses them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# The central store answers from this same server (/central/; scripts/dev.sh points
# CENTRAL_API_URL at it) and both sides share one development credential file, written by
# ``manage.py demo_central`` (var/ is not committed).
_DEV_CREDENTIALS = str(BASE_DIR / "var" / "central-credentials.dev.ini")
CLOSURE_CREDENTIALS_FILE = env.str("CLOSURE_CREDENTIALS_FILE", default=_DEV_CREDENTIALS)
CENTRAL_CREDENTIALS_FILE = env.str("CENTRAL_CREDENTIALS_FILE", default=_DEV_CREDENTIALS)


# A CA's remote-signing service (CSC API) stands in at /csc/ (csc_service); ``manage.py
# demo_csc`` enrols the demo units' keys there and registers this portal as its client
# with the secret below. Development values only, derived from the development SECRET_KEY.
def _dev_secret(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()


CSC_SERVICE_STORAGE_KEYS = env.list(
    "CSC_SERVICE_STORAGE_KEYS",
    default=[base64.urlsafe_b64encode(_dev_secret("csc-storage")).decode()],
)
SIGNING_CSC_PROVIDERS = SIGNING_CSC_PROVIDERS or {
    "demo-ca": {
        "name": "CA thử nghiệm (ký số từ xa)",
        "base_url": f"{SITE_URL}/csc/v2",
        "client_id": "bhxh-portal-dev",
        "client_secret": _dev_secret("csc-client").hex(),
        "timeout": 10.0,
    }
}
