"""Development: the dev command's settings (DEBUG on, everything else as ``base``)."""

from .base import *  # noqa: F403

DEBUG = True
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# SQLite ignores the covering indexes' INCLUDE columns; PostgreSQL uses them.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
