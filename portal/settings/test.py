"""Test settings: the real PostgreSQL and Redis given by the test command's environment."""

from .base import *  # noqa: F403
from .base import BASE_DIR, CELERY_TASK_DEFAULT_QUEUE, INSTALLED_APPS, LOGGING, env
from .broker import broker_settings

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
# The demo data and the simulated year are tested too (``tests/demo/``).
# The CSC remote-signing service the signing tests reach over HTTP (tests/csc_service/).
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "csc_service"]
CSC_SERVICE_STORAGE_KEYS = ["S57oN-ydlwxoRmaDd5wWdDxwVLdR8tnioeUEcmMuKG0="]  # tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING["root"]["level"] = env.str("TEST_LOG_LEVEL", default="WARNING")
# The tests drive time themselves; no periodic sweeps behind their back.
CELERY_BEAT_SCHEDULE = {}
# The office dashboard counts live, so a test sees what it has just written; the snapshot
# tests (tests/declarations/review/test_dashboard_snapshot.py) switch snapshots on.
REVIEW_DASHBOARD_MAX_AGE = env.int("REVIEW_DASHBOARD_MAX_AGE", default=0)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tasks run in-process unless a test starts a real worker (tests/conftest.py), which
# switches this off for its duration; the broker is then the real Redis.
CELERY_BROKER_URL = env.str("TEST_REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_EAGER", default=True)
# A RabbitMQ broker (the fault suite's broker test runs on both): its quorum task queue.
vars().update(broker_settings(CELERY_BROKER_URL, CELERY_TASK_DEFAULT_QUEUE))
CELERY_TASK_EAGER_PROPAGATES = True
AXES_FAILURE_LIMIT = 3
# Screenshots and other artifacts of the browser tests.
TEST_ARTIFACTS_DIR = BASE_DIR / "test-artifacts"
# A worker process started by the tests writes its e-mails where the test can read them.
if env.str("TEST_EMAIL_FILE_PATH", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env.str("TEST_EMAIL_FILE_PATH")
# The second factor is switched on by the tests that exercise it (tests/accounts/test_otp.py),
# so other tests can sign staff in with force_login.
ACCOUNTS_OTP_REQUIRED = False
# Audit checkpoints: no key, file or central store unless a test sets them (tmp_path), so
# no test reads another run's checkpoints.
AUDIT_CHECKPOINT_KEY_FILE = ""
AUDIT_CHECKPOINT_PUBLIC_KEYS = ""
AUDIT_CHECKPOINT_FILE = ""
AUDIT_CHECKPOINT_CENTRAL = False
