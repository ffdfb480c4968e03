"""Development: the dev command's settings (DEBUG on, everything else as ``base``)."""

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = True
# The demo data and the simulated year (``seed_demo``, ``simulate``); production never has them.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# SQLite ignores the covering indexes' INCLUDE columns; PostgreSQL uses them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
