"""Development: the dev command's settings (DEBUG on, everything else as ``base``)."""

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, env

DEBUG = True
# The demo data and the simulated year (``seed_demo``, ``simulate``); production never has them.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
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
