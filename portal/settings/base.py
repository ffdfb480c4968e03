"""Settings shared by every environment, read from the environment through django-environ.

Nothing set: SQLite files beside the project, Celery tasks run in-process, e-mail printed
to the console. ``DATABASE_URL`` / ``CELERY_BROKER_URL`` switch to PostgreSQL and Redis.
A malformed value stops start-up with a message naming the variable.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from portal.logconfig import json_logging
from portal.middleware import browser_only
from portal.settings.broker import broker_settings
from portal.settings.pooling import POOLERS, transaction_pooling

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _Env(environ.Env):
    """environ.Env that names the variable when a value cannot be parsed."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except ImproperlyConfigured:
            raise
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"Environment variable {var} has an invalid value: {exc}"
            ) from exc


env = _Env()


def _env_bool(name: str, default: bool) -> bool:
    """A strict boolean: only the usual spellings are accepted, anything else fails."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} must be a boolean, got {raw!r}")


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name} must be an integer, got {raw!r}"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"Environment variable {name} must be ≥ {minimum}")
    return value


# --- core -------------------------------------------------------------------------------
DEBUG = _env_bool("DEBUG", False)
# Development default only; production settings refuse to start without SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address users reach the portal at, for the absolute links of e-mails (welcome,
# password reset, difficulties). Unset: the development server on this machine, at the
# PORT scripts/dev.sh starts it on (8000 unless told).
SITE_URL = env.str(
    "SITE_URL", default=f"http://127.0.0.1:{_env_int('PORT', 8000, minimum=1)}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "axes",
    "django_structlog",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "mozilla_django_oidc",
    "csp",
    "portal",
    "core.outbox",
    "core.partitions",
    "accounts",
    "declarations",
    "declarations.employers",
    "declarations.dossiers",
    "declarations.people",
    "declarations.intake",
    "declarations.signing",
    "declarations.review",
    "declarations.adoption",
    "declarations.difficulties",
    "declarations.payments",
    "declarations.statements",
    "ivan",
    "closure_sync",
    "central",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After a POST, the browser's next pages read from the primary (only with a replica).
    "core.db_routing.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]
# The machine-to-machine APIs (bearer tokens, signed requests: no browser) skip the
# browser's middleware; everything else runs it as listed (portal/middleware.py).
STATELESS_PATH_PREFIXES = ("/api/ivan/v1/", "/central/api/")
MIDDLEWARE = browser_only(
    MIDDLEWARE,
    skip=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "accounts.middleware.SessionRenewalMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "accounts.middleware.SecondFactorMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django_structlog.middlewares.RequestMiddleware",
    ],
)

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- databases ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    # The national central store (central/): its own database, a separate deployment in
    # production. Only the central app's models live there (see portal.routers).
    "central": env.db_url(
        "CENTRAL_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'central.sqlite3'}"
    ),
}
# A streaming replica of ``default`` for the reads marked ``core.db_routing.replica_reads``
# (dashboards, reports, lookups, adoption snapshots); absent unless DATABASE_REPLICA_URL is
# set. docs/scaling.md "Read replica".
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    # Tests read the test database through it; no test copy is made of a read-only server.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    # A replica that is down must cost a page little: the probe gives up quickly.
    if DATABASES["replica"]["ENGINE"].endswith("postgresql"):
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", _env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2, minimum=1)
        )
# Past this lag (seconds) marked reads go back to the primary; the lag is probed at most
# once every DATABASE_REPLICA_PROBE_SECONDS per process. After a browser's POST its reads
# stay on the primary for DATABASE_REPLICA_PIN_SECONDS (by default the largest lag a read
# may see: the lag allowed plus the probe's age), so a user reads their own writes.
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10.0)
DATABASE_REPLICA_PROBE_SECONDS = env.float("DATABASE_REPLICA_PROBE_SECONDS", default=3.0)
if DATABASE_REPLICA_MAX_LAG_SECONDS <= 0 or DATABASE_REPLICA_PROBE_SECONDS < 0:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_MAX_LAG_SECONDS must be > 0 and DATABASE_REPLICA_PROBE_SECONDS ≥ 0"
    )
DATABASE_REPLICA_PIN_SECONDS = _env_int(
    "DATABASE_REPLICA_PIN_SECONDS",
    int(DATABASE_REPLICA_MAX_LAG_SECONDS + DATABASE_REPLICA_PROBE_SECONDS + 0.999),
    minimum=1,
)

# Server-side binding lets psycopg prepare what a connection runs again and again (parsed
# and planned once); behind PgBouncer in transaction mode set DATABASE_POOLER=pgbouncer
# (no prepared statements: any version), or pgbouncer-prepared (1.22+ keeping them).
_PREPARE_OFF = env.str("DB_PREPARE_THRESHOLD", default="").strip().lower() in {"off", "none"}
# Every PostgreSQL alias reached through PgBouncer in transaction mode: no server-side
# cursors, prepared statements as the pooler allows (portal/settings/pooling.py says why).
DATABASE_POOLER = env.str("DATABASE_POOLER", default="").strip().lower()
if DATABASE_POOLER and DATABASE_POOLER not in POOLERS:
    raise ImproperlyConfigured(
        f"Environment variable DATABASE_POOLER must be empty or one of {', '.join(POOLERS)}"
    )
for _db in DATABASES.values():
    _db.setdefault("ATOMIC_REQUESTS", False)
    if _db["ENGINE"].endswith("postgresql"):
        _db.setdefault("CONN_MAX_AGE", _env_int("DB_CONN_MAX_AGE", 60))
        _db.setdefault("CONN_HEALTH_CHECKS", True)
        _options = _db.setdefault("OPTIONS", {})
        _options.setdefault("server_side_binding", _env_bool("DB_SERVER_SIDE_BINDING", True))
        _options.setdefault(
            "prepare_threshold", None if _PREPARE_OFF else _env_int("DB_PREPARE_THRESHOLD", 5)
        )
        if DATABASE_POOLER:
            transaction_pooling(_db, DATABASE_POOLER)
# The central store first: its models never reach the replica router.
DATABASE_ROUTERS = ["portal.routers.CentralStoreRouter", "core.db_routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first so a locked-out user is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.MembershipBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Argon2id (Django's recommended hasher, argon2-cffi): a few times cheaper per login than
# PBKDF2's 1,000,000 rounds for a memory-hard hash (benchmarks/login.py). A PBKDF2 hash
# still verifies and is rewritten as Argon2 at the account's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassValidator"},
]

# Sessions end after SESSION_IDLE_MINUTES without a request and when the browser closes.
# accounts.middleware.SessionRenewalMiddleware renews a used session at most once every
# SESSION_RENEW_SECONDS (not on every request: that was a database write per page view).
SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_RENEW_SECONDS = _env_int("SESSION_RENEW_SECONDS", 60, minimum=1)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Sign-ins and sign-outs are in the audit log (accounts.signals, with address and browser);
# axes's own access log was a second row written on every login.
AXES_DISABLE_ACCESS_LOG = True

# --- i18n and time --------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded files are served only by scoped, audited views (never under MEDIA_URL).

# --- request bodies and uploads (core.uploads) ---------------------------------------------
# Form fields other than files: a larger body is refused before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = _env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2621440, minimum=1024)
# Uploaded files up to this size are kept in memory; larger ones stream to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = _env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 1048576, minimum=0)
# Files of one request on a page without a limit of its own (each upload page has one).
UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# A worker list imported into the D02-LT composer (.xlsx).
IMPORT_XLSX_MAX_BYTES = _env_int("IMPORT_XLSX_MAX_BYTES", 4 * 1024 * 1024, minimum=1024)
# An export file central IT attaches to a data-extraction request.
DATA_REQUEST_EXPORT_MAX_BYTES = _env_int(
    "DATA_REQUEST_EXPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024
)
FILE_UPLOAD_HANDLERS = [
    "core.uploads.LimitedUploadHandler",  # stops reading past the path's limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# Scripts and styles come only from our own static files: no inline <script>, no on*=
# handlers, no style attributes (tests/portal/test_upload_limits.py scans the templates).
# The Swagger UI page relaxes styles for itself only (ivan.api.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}

# --- e-mail ---------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng BHXH <no-reply@localhost>")

# --- Celery ---------------------------------------------------------------------------------
_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker every task runs in-process, right where it is queued; Celery still opens
# a broker connection for it, an in-memory one (not a default "localhost" it warns about).
CELERY_TASK_ALWAYS_EAGER = _BROKER_URL == ""
CELERY_BROKER_URL = _BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = _env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = _env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
# A message not acknowledged within the visibility timeout is redelivered by Redis. It
# must exceed the hard time limit and the longest countdown a task is scheduled with
# (retry backoffs are capped by CELERY_MAX_COUNTDOWN), or work would run twice.
CELERY_VISIBILITY_TIMEOUT = _env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
CELERY_MAX_COUNTDOWN = CELERY_VISIBILITY_TIMEOUT // 2
if CELERY_TASK_TIME_LIMIT >= CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# RabbitMQ (amqp://): the task queue as a quorum queue (portal/settings/broker.py says why).
vars().update(broker_settings(CELERY_BROKER_URL, CELERY_TASK_DEFAULT_QUEUE))
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    # Sweeps due outbox rows so a lost Celery message only delays an effect.
    "outbox-sweep": {"task": "core.outbox.tasks.outbox_sweep", "schedule": 60.0},
    # Adoption figures the dashboards read: every office, today and past month starts.
    "adoption-snapshot-refresh": {
        "task": "declarations.adoption.tasks.adoption_snapshot_refresh",
        "schedule": env.float("ADOPTION_SNAPSHOT_SECONDS", default=900.0),
    },
    # The office dashboard's counts, taken for every office with open work (idempotent).
    "review-dashboard-snapshot-refresh": {
        "task": "declarations.review.tasks.dashboard_snapshot_refresh",
        "schedule": 60.0,
        "options": {"expires": 55.0},  # a missed minute is not worth running late
    },
    # On the 1st at 07:00: last month's summary of difficulties to the directors.
    "difficulty-summary-monthly": {
        "task": "declarations.difficulties.tasks.difficulty_summary_monthly",
        "schedule": crontab(minute=0, hour=7, day_of_month=1),
    },
    # Personnel decisions act at midnight Asia/Ho_Chi_Minh (CELERY_TIMEZONE); the later runs
    # only catch up after an outage (the job is idempotent).
    "accounts-lifecycle": {
        "task": "accounts.tasks.lifecycle_run",
        "schedule": crontab(minute="0,15,30,45"),
    },
    "accounts-report-reminders": {
        "task": "accounts.tasks.reports_remind",
        "schedule": crontab(hour=7, minute=0),
    },
    # Provinces that have not reported their release deployment result: once a day.
    "adoption-release-results-remind": {
        "task": "declarations.adoption.tasks.release_results_remind",
        "schedule": crontab(hour=7, minute=30),
    },
    # Chains fresh audit entries: writers only insert, so nobody waits on the chain's end.
    "accounts-audit-seal": {
        "task": "accounts.tasks.audit_seal",
        "schedule": env.float("AUDIT_SEAL_SECONDS", default=5.0),
    },
    # The people registry's references kept without database constraints, checked instead.
    # On the 1st at 02:00: last month's C12-TS statements stored and issued (idempotent).
    "statements-finalise-last-month": {
        "task": "declarations.statements.tasks.statements_finalise_last_month",
        "schedule": crontab(minute=0, hour=2, day_of_month=1),
    },
    "people-registry-integrity": {
        "task": "declarations.people.tasks.registry_integrity_check",
        "schedule": crontab(hour=3, minute=10),
    },
    "accounts-audit-chain-check": {
        "task": "accounts.tasks.audit_chain_check",
        "schedule": crontab(hour=2, minute=30),
    },
    # Pushes due closure records (chốt sổ) to the central store.
    "closure-push-sweep": {"task": "closure_sync.tasks.closure_push_sweep", "schedule": 60.0},
    "closure-deadline-monitor": {
        "task": "closure_sync.tasks.closure_deadline_monitor",
        "schedule": 300.0,
    },
    # Downloads each licensed CA's CRL, keeps the last good one (declarations.employers.authorities).
    "trust-crl-refresh": {
        "task": "declarations.employers.tasks.trust_refresh",
        "schedule": float(_env_int("TRUST_CRL_REFRESH_SECONDS", 3600, minimum=60)),
    },
    "central-nonce-prune": {"task": "central.tasks.central_nonces_prune", "schedule": 3600.0},
    # Monthly partitions (PostgreSQL): next months created ahead, links into them checked.
    "partitions-ensure": {
        "task": "core.partitions.tasks.partitions_ensure",
        "schedule": crontab(hour=1, minute=20),
    },
    "partitions-check": {
        "task": "core.partitions.tasks.partitions_check",
        "schedule": crontab(hour=3, minute=40),
    },
}

# --- outbox ---------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
OUTBOX_BACKOFF_BASE_SECONDS = _env_int("OUTBOX_BACKOFF_BASE_SECONDS", 30, minimum=1)
OUTBOX_BACKOFF_CAP_SECONDS = min(
    _env_int("OUTBOX_BACKOFF_CAP_SECONDS", 1800, minimum=1), CELERY_MAX_COUNTDOWN
)
# An in-flight row whose worker died is taken again after this lease.
OUTBOX_LEASE_SECONDS = _env_int("OUTBOX_LEASE_SECONDS", 300, minimum=10)
OUTBOX_BATCH_SIZE = _env_int("OUTBOX_BATCH_SIZE", 100, minimum=1)
# How long the outbox's wake-up sender waits to put more committed rows in one message.
OUTBOX_WAKE_LINGER_MS = _env_int("OUTBOX_WAKE_LINGER_MS", 200, minimum=0)

# --- cache (throttling counters; Redis in production so every process shares them) -----------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- I-VAN API: OAuth2 client credentials ----------------------------------------------------
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
IVAN_SCOPES = {
    "dossiers:submit": "Submit signed dossiers",
    "dossiers:read": "Read dossier status and lists",
    "notices:read": "Pull receipts and result notices",
    "employers:register": "Register, change and stop employers' e-transactions",
    "employers:read": "Read the employers the provider carries",
    "webhooks:manage": "Register webhook endpoints",
    "stats:read": "Read the provider's own statistics",
    "people:read": "Read the workforce and health cards of the units the provider carries",
}
OAUTH2_PROVIDER = {
    "SCOPES": IVAN_SCOPES,
    "DEFAULT_SCOPES": ["dossiers:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": _env_int("IVAN_TOKEN_SECONDS", 3600, minimum=60),
    "OAUTH2_VALIDATOR_CLASS": "ivan.oauth.ProviderOAuth2Validator",
    "PKCE_REQUIRED": True,
    # Only the client-credentials grant is used; follow the OAuth 2.0 Security BCP (RFC 9700).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
IVAN_DEFAULT_RATE = env.str("IVAN_DEFAULT_RATE", default="1200/min")
IVAN_WEBHOOK_TIMEOUT_SECONDS = _env_int("IVAN_WEBHOOK_TIMEOUT_SECONDS", 10, minimum=1)
IVAN_WEBHOOK_MAX_ATTEMPTS = _env_int("IVAN_WEBHOOK_MAX_ATTEMPTS", 10, minimum=1)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BHXH I-VAN API",
    # Vietnamese, then English, in one document (ivan/api/texts.py says why).
    "DESCRIPTION": (
        "API để các nhà cung cấp I-VAN có hợp đồng nộp và theo dõi hồ sơ giao dịch điện tử "
        "cho các đơn vị đã chọn họ, và đọc lại lao động, thẻ BHYT của các đơn vị đó. Xác thực "
        "OAuth2 client credentials; lỗi trả về application/problem+json (RFC 9457) với cùng "
        "mã lỗi như khi nộp trên cổng. Hướng dẫn tích hợp: docs/ivan-integration.md.\n\n"
        "API through which contracted I-VAN providers submit and follow e-transaction "
        "dossiers for the employers who chose them, and read back those units' workforce and "
        "health cards. OAuth2 client credentials; errors are application/problem+json "
        "(RFC 9457) with the same codes as the portal's intake. Integration guide (in "
        "Vietnamese): docs/ivan-integration.md."
    ),
    "VERSION": "1.0.0",
    # 3.1 for the webhooks the portal sends (OpenAPI `webhooks`).
    "OAS_VERSION": "3.1.0",
    "SERVERS": [
        {
            "url": "https://dichvucong.baohiemxahoi.gov.vn",
            "description": "Môi trường chính thức (client live và sandbox) — Production (live "
            "and sandbox clients: the client's kind decides)",
        },
        {
            "url": "/",
            "description": "Máy chủ đã phục vụ tài liệu này — The server that served this document",
        },
    ],
    "WEBHOOKS": [
        "ivan.api.webhook_docs.RECEIPT_ISSUED",
        "ivan.api.webhook_docs.STATUS_CHANGED",
        "ivan.api.webhook_docs.NOTICE_ISSUED",
        "ivan.api.webhook_docs.RESULT_RELEASED",
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ivan.api.schema.error_codes_enum",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DossierStatusEnum": "declarations.dossiers.models.DossierStatus",
        "NoticeKindEnum": "declarations.dossiers.models.NoticeKind",
        "CardStatusEnum": "declarations.people.models.CardStatus",
        "RegistrationStatusEnum": "declarations.employers.models.registrations.RegistrationStatus",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/ivan/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- logging: one JSON line per event -----------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"Environment variable LOG_LEVEL has an invalid value: {LOG_LEVEL}")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
LOGGING = json_logging(LOG_LEVEL)

# --- domain ---------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="BhxhDemo#2026")

# Review time limits (declarations.dossiers.workdays): a dossier received at or after this local
# time counts from the next working day.
REVIEW_OFFICE_CLOSES_AT = env.str("REVIEW_OFFICE_CLOSES_AT", default="17:00")
# Open dossiers due within this many working days are highlighted as at risk.
REVIEW_AT_RISK_WORKING_DAYS = _env_int("REVIEW_AT_RISK_WORKING_DAYS", 1)
# The office dashboard reads counts a periodic job takes each minute; a snapshot older than
# this is counted again by the page (0: always counted live, nothing stored).
REVIEW_DASHBOARD_MAX_AGE = _env_int("REVIEW_DASHBOARD_MAX_AGE", 120, minimum=0)
if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", REVIEW_OFFICE_CLOSES_AT):
    raise ImproperlyConfigured("REVIEW_OFFICE_CLOSES_AT must be HH:MM, e.g. 17:00")
# --- accounts: lifecycle, reports, second factor, SSO -------------------------------------------
ACCOUNTS_DORMANT_DAYS = _env_int("ACCOUNTS_DORMANT_DAYS", 90, minimum=1)
# Quarterly account reports are due before this day of the next quarter's first month.
ACCOUNT_REPORT_DUE_DAY = _env_int("ACCOUNT_REPORT_DUE_DAY", 10, minimum=2)
if ACCOUNT_REPORT_DUE_DAY > 28:
    raise ImproperlyConfigured("ACCOUNT_REPORT_DUE_DAY must be at most 28")
ACCOUNT_REPORT_REMINDER_DAYS = _env_int("ACCOUNT_REPORT_REMINDER_DAYS", 5, minimum=1)
# Release deployment results: daily reminders from this many days before the due day, and
# after it (overdue) for this many days.
RELEASE_RESULT_REMINDER_DAYS = _env_int("RELEASE_RESULT_REMINDER_DAYS", 3, minimum=0)
RELEASE_RESULT_FOLLOW_UP_DAYS = _env_int("RELEASE_RESULT_FOLLOW_UP_DAYS", 30, minimum=0)
# Business applications' SCIM 2.0 connectors (accounts.connectors): bearer tokens by the
# reference name an application's connector gives ("tst=…,tcs=…"), never in the database.
ACCOUNTS_SCIM_TOKENS = env.dict("ACCOUNTS_SCIM_TOKENS", default={})
ACCOUNTS_SCIM_TIMEOUT_SECONDS = _env_int("ACCOUNTS_SCIM_TIMEOUT_SECONDS", 10, minimum=1)
# With the outbox's 30-minute backoff cap, 200 tries keep an application that is down for
# days retried before the change is dead-lettered.
ACCOUNTS_SCIM_MAX_ATTEMPTS = _env_int("ACCOUNTS_SCIM_MAX_ATTEMPTS", 200, minimum=1)
# TOTP second factor (django-otp) for these roles (and superusers).
ACCOUNTS_OTP_REQUIRED = _env_bool("ACCOUNTS_OTP_REQUIRED", True)
ACCOUNTS_OTP_ROLES = env.list(
    "ACCOUNTS_OTP_ROLES", default=["provincial_admin", "central_leader", "central_it", "it_staff"]
)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="BHXH")
# Wrong codes are counted and throttled by accounts.second_factor (a few free tries first);
# django-otp's own throttle refused the right code after a single wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
# OIDC single sign-on with official e-mail accounts (mozilla-django-oidc); off by default.
# The provider is named by its issuer URL: endpoints and keys come from its discovery
# document (accounts.sso_provider), kept OIDC_DISCOVERY_CACHE_SECONDS in the cache.
OIDC_ENABLED = _env_bool("OIDC_ENABLED", False)
OIDC_ALLOWED_EMAIL_DOMAINS = [d.lower() for d in env.list("OIDC_ALLOWED_EMAIL_DOMAINS", default=[])]
OIDC_CREATE_USER = False  # SSO maps to existing accounts only
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
if not OIDC_RP_SIGN_ALGO.startswith(("RS", "ES", "PS")):
    raise ImproperlyConfigured("OIDC_RP_SIGN_ALGO must be an asymmetric algorithm (RS256…)")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = _env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1)
OIDC_DISCOVERY_CACHE_SECONDS = _env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600, minimum=1)
OIDC_AUTHENTICATE_CLASS = "accounts.views.sso.SsoStartView"
OIDC_CALLBACK_CLASS = "accounts.views.sso.SsoCallbackView"
LOGIN_REDIRECT_URL_FAILURE = "/tai-khoan/dang-nhap/"
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")
if OIDC_ENABLED:
    if not OIDC_OP_ISSUER:
        raise ImproperlyConfigured("OIDC_ENABLED needs OIDC_OP_ISSUER (the provider's issuer URL)")
    OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET")
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.sso.OfficialEmailBackend"]
# --- accounts: keyed audit checkpoints (accounts/audit_checkpoints.py, README "Trust") ------
# Every AUDIT_CHECKPOINT_MINUTES the sealer signs the chain's head (Ed25519) with a key kept
# outside the database, appends it to an append-only file and sends it to the central store.
AUDIT_CHECKPOINT_MINUTES = _env_int("AUDIT_CHECKPOINT_MINUTES", 10, minimum=1)
# The name this portal's chain has at the central store.
AUDIT_CHECKPOINT_SOURCE = env.str("AUDIT_CHECKPOINT_SOURCE", default="portal")
_CHECKPOINT_DIR = BASE_DIR / "var" / "audit-checkpoints"
# PEM Ed25519 private key; created on first use only when AUDIT_CHECKPOINT_KEY_AUTOCREATE
# (development; production sets it off and requires the file).
AUDIT_CHECKPOINT_KEY_FILE = env.str(
    "AUDIT_CHECKPOINT_KEY_FILE", default=str(_CHECKPOINT_DIR / "signing-key.pem")
)
AUDIT_CHECKPOINT_KEY_AUTOCREATE = _env_bool("AUDIT_CHECKPOINT_KEY_AUTOCREATE", True)
# The public keys that verify checkpoints (current and previous): a folder of .pem files
# or one file of PEM blocks.
AUDIT_CHECKPOINT_PUBLIC_KEYS = env.str(
    "AUDIT_CHECKPOINT_PUBLIC_KEYS", default=str(_CHECKPOINT_DIR / "public-keys")
)
# One JSON line per checkpoint, opened with O_APPEND (make it append-only: chattr +a).
AUDIT_CHECKPOINT_FILE = env.str(
    "AUDIT_CHECKPOINT_FILE", default=str(_CHECKPOINT_DIR / "checkpoints.jsonl")
)
# Send checkpoints to the central store (outbox) and read them back when verifying.
AUDIT_CHECKPOINT_CENTRAL = _env_bool("AUDIT_CHECKPOINT_CENTRAL", True)
# A verification without a key, public keys or the file is a failure (production).
AUDIT_CHECKPOINT_REQUIRED = _env_bool("AUDIT_CHECKPOINT_REQUIRED", False)

# --- declarations: intake of signed dossiers ----------------------------------------------------
# Folder of PEM/DER certificates of the licensed CAs and their CRL files (the trust store).
TRUSTED_CA_DIR = env.path("TRUSTED_CA_DIR", default=BASE_DIR / "var" / "trusted-ca")
# Files of a dossier: 5 MB in all (decoded); the envelope as received carries them in base64.
INTAKE_MAX_FILES_BYTES = _env_int("INTAKE_MAX_FILES_BYTES", 5 * 1024 * 1024, minimum=1024)
INTAKE_MAX_BYTES = _env_int("INTAKE_MAX_BYTES", 7 * 1024 * 1024, minimum=1024)
INTAKE_MAX_FILES = _env_int("INTAKE_MAX_FILES", 6, minimum=1)
# A signature older than this (by its SigningTime) when the dossier arrives is refused.
# A timestamp (RFC 3161) older than this when the dossier arrives is refused.
INTAKE_MAX_SIGNATURE_AGE_DAYS = _env_int("INTAKE_MAX_SIGNATURE_AGE_DAYS", 30, minimum=1)
# The signer's own claimed signing time further than this before the trusted time (or any
# later than it) is a warning on the receipt; it never refuses a dossier.
INTAKE_SIGNING_CLAIM_WARN_HOURS = _env_int("INTAKE_SIGNING_CLAIM_WARN_HOURS", 24, minimum=1)
# CA operations (the licensed CAs as data, declarations.employers.authorities): a CA's CRL past its
# nextUpdate is alerted at once and, this many hours later, its certificates are refused
# with CERT_STATUS_UNKNOWN (a CA's publication late by hours must not stop every employer).
TRUST_CRL_GRACE_HOURS = _env_int("TRUST_CRL_GRACE_HOURS", 24)
# Downloading a CRL: connect/read timeout, largest accepted size.
TRUST_CRL_TIMEOUT_SECONDS = _env_int("TRUST_CRL_TIMEOUT_SECONDS", 30, minimum=1)
TRUST_CRL_MAX_BYTES = _env_int("TRUST_CRL_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
# OCSP (only for CAs with OCSP on, when the certificate names a responder): how long an
# answer is kept, how long intake waits for the responder before falling back to the CRL.
TRUST_OCSP_CACHE_SECONDS = _env_int("TRUST_OCSP_CACHE_SECONDS", 300, minimum=1)
TRUST_OCSP_TIMEOUT_SECONDS = _env_int("TRUST_OCSP_TIMEOUT_SECONDS", 3, minimum=1)
# A process looks at the CA tables at least this often even when no change was announced.
TRUST_STORE_RECHECK_SECONDS = _env_int("TRUST_STORE_RECHECK_SECONDS", 60, minimum=1)
# Where seed_demo keeps the demo CA and the demo units' keys and certificates.
DEMO_PKI_DIR = env.path("DEMO_PKI_DIR", default=BASE_DIR / "var" / "demo-pki")
# A TrueType font with Vietnamese glyphs for the PDF notices (Debian: fonts-dejavu-core);
# `manage.py check` fails when it is missing or cannot draw Vietnamese (core.pdf).
PDF_FONT_PATH = env.str("PDF_FONT_PATH", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# What /healthz checks (names in portal.health.CHECKS). The central store's own deployment
# has neither the portal's tables nor its broker: it checks its database and migrations.
HEALTH_CHECKS = env.list(
    "HEALTH_CHECKS",
    default=["database", "migrations", "broker", "central_database"]
    + (["replica"] if "replica" in DATABASES else []),
)

# --- declarations: signing in the portal (hash-then-sign: token through the local signer, CSC) --
# Where the employer's local signer listens (the page's script calls it; the page's CSP allows
# it in connect-src). A signing session lives this long from its start; a prepared document
# waits this long for its start.
SIGNING_LOCAL_SIGNER_URL = env.str(
    "SIGNING_LOCAL_SIGNER_URL", default="http://127.0.0.1:47815"
).rstrip("/")
SIGNING_SESSION_SECONDS = _env_int("SIGNING_SESSION_SECONDS", 300, minimum=30)
SIGNING_PREPARED_SECONDS = _env_int("SIGNING_PREPARED_SECONDS", 3600, minimum=60)

# --- closure sync (chốt sổ → central store) ---------------------------------------------------
# The portal's client side: where the central store's API is and the credential file the
# IT center issued (re-read whenever it is replaced).
CLOSURE_CENTRAL_URL = env.str("CENTRAL_API_URL", default="http://127.0.0.1:8000")
CLOSURE_CREDENTIALS_FILE = env.str(
    "CLOSURE_CREDENTIALS_FILE", default=str(BASE_DIR / "deploy" / "central-credentials.ini")
)
CLOSURE_PUSH_TIMEOUT_SECONDS = _env_int("CLOSURE_PUSH_TIMEOUT_SECONDS", 30, minimum=1)
CLOSURE_PUSH_BATCH_SIZE = _env_int("CLOSURE_PUSH_BATCH_SIZE", 500, minimum=1)
CLOSURE_PUSH_LEASE_SECONDS = _env_int("CLOSURE_PUSH_LEASE_SECONDS", 300, minimum=1)
CLOSURE_BACKOFF_BASE_SECONDS = _env_int("CLOSURE_BACKOFF_BASE_SECONDS", 60, minimum=1)
CLOSURE_BACKOFF_CAP_SECONDS = min(
    _env_int("CLOSURE_BACKOFF_CAP_SECONDS", 1800, minimum=1), CELERY_MAX_COUNTDOWN - 1
)
CLOSURE_DEADLINE_HOURS = _env_int("CLOSURE_DEADLINE_HOURS", 48, minimum=1)
CLOSURE_AT_RISK_HOURS = _env_int("CLOSURE_AT_RISK_HOURS", 12, minimum=1)
# Overdue records older than this are history, not news: no alert e-mails for them.
CLOSURE_ALERT_LOOKBACK_DAYS = _env_int("CLOSURE_ALERT_LOOKBACK_DAYS", 30, minimum=1)
# Largest collection-system export the closure import takes (1,000,000 lines of CSV: ~120 MB).
CLOSURE_IMPORT_MAX_BYTES = _env_int("CLOSURE_IMPORT_MAX_BYTES", 256 * 1024 * 1024, minimum=1024)
# The central store's side: its credential file (current and previous key) and how far a
# request's timestamp may be from the central clock.
CENTRAL_CREDENTIALS_FILE = env.str("CENTRAL_CREDENTIALS_FILE", default="")
CENTRAL_MAX_SKEW_SECONDS = _env_int("CENTRAL_MAX_SKEW_SECONDS", 300, minimum=5)
CENTRAL_MAX_BATCH = _env_int("CENTRAL_MAX_BATCH", 5000, minimum=1)

# --- remote signing through a CA's CSC API (declarations.signing.csc_client) -----------------
# The CAs' remote-signing services the employer may choose, as JSON: {"<key>": {"name": …,
# "base_url": "https://…/csc/v2", "client_id": …, "client_secret": …, "timeout": 10}}
# ("token_url" optional: by default the OAuth2 server the service's ``info`` names).
_CSC_PROVIDER_FIELDS = {"name", "base_url", "client_id", "client_secret", "timeout", "token_url"}


def _env_csc_providers(name: str) -> dict:
    raw = env.str(name, default="").strip()
    if not raw:
        return {}
    try:
        value = env.json(name)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"Environment variable {name} must be JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"Environment variable {name} must be a JSON object")
    providers = {}
    for key, entry in value.items():
        where = f"Environment variable {name}, provider {key!r}"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", str(key)) or not isinstance(entry, dict):
            raise ImproperlyConfigured(f"{where}: a short lowercase key and an object")
        unknown = set(entry) - _CSC_PROVIDER_FIELDS
        if unknown:
            raise ImproperlyConfigured(f"{where}: unknown fields {sorted(unknown)}")
        for field in ("name", "base_url", "client_id", "client_secret"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise ImproperlyConfigured(f"{where}: {field} is required")
        for field in ("base_url", "token_url"):
            if entry.get(field) and not re.match(r"https?://[^/\s]+", entry[field]):
                raise ImproperlyConfigured(f"{where}: {field} must be an http(s) URL")
        timeout = entry.get("timeout", 10)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ImproperlyConfigured(f"{where}: timeout must be a positive number of seconds")
        providers[key] = {**entry, "timeout": float(timeout)}
    return providers


SIGNING_CSC_PROVIDERS = _env_csc_providers("SIGNING_CSC_PROVIDERS")

# The CSC signing service of the tests and the demo (csc_service/, installed by the dev and
# test settings only): Fernet keys that encrypt its credentials' private keys at rest (the
# first encrypts, every one decrypts: rotation), and the lifetimes it grants.
CSC_SERVICE_STORAGE_KEYS = env.list("CSC_SERVICE_STORAGE_KEYS", default=[])
CSC_SERVICE_TOKEN_SECONDS = _env_int("CSC_SERVICE_TOKEN_SECONDS", 3600, minimum=60)
CSC_SERVICE_APPROVAL_SECONDS = _env_int("CSC_SERVICE_APPROVAL_SECONDS", 300, minimum=10)
CSC_SERVICE_SAD_SECONDS = _env_int("CSC_SERVICE_SAD_SECONDS", 300, minimum=10)

# --- the agency's signature on the PDFs it issues (core.agency_signing) --------------------
# PAdES with the office's key in a PKCS#11 token (an HSM; SoftHSM2 in tests and the demo).
# No module: PDFs are issued unsigned and say so. The PIN is a secret: no default, and a
# module without a token label or PIN fails at start. "{office}" in the key label picks one
# key (and its certificate, same label) per office; otherwise one agency key signs.
AGENCY_SIGNING_PKCS11_MODULE = env.str("AGENCY_SIGNING_PKCS11_MODULE", default="")
AGENCY_SIGNING_TOKEN_LABEL = env.str("AGENCY_SIGNING_TOKEN_LABEL", default="")
AGENCY_SIGNING_PIN = env.str("AGENCY_SIGNING_PIN", default="")
AGENCY_SIGNING_KEY_LABEL = env.str("AGENCY_SIGNING_KEY_LABEL", default="bhxh-agency")
AGENCY_SIGNING_NAME = env.str("AGENCY_SIGNING_NAME", default="Bảo hiểm xã hội Việt Nam")
AGENCY_SIGNING_LOCATION = env.str("AGENCY_SIGNING_LOCATION", default="Hà Nội")
if AGENCY_SIGNING_PKCS11_MODULE and not (AGENCY_SIGNING_TOKEN_LABEL and AGENCY_SIGNING_PIN):
    raise ImproperlyConfigured(
        "AGENCY_SIGNING_PKCS11_MODULE is set: AGENCY_SIGNING_TOKEN_LABEL and "
        "AGENCY_SIGNING_PIN are required too"
    )

# --- the public verification page of the agency's documents (/xac-thuc/) -------------------
# Look-ups (a code, or a dropped file) per client address per minute, and the largest file
# it reads.
VERIFY_LOOKUPS_PER_MINUTE = _env_int("VERIFY_LOOKUPS_PER_MINUTE", 30, minimum=1)
VERIFY_FILE_MAX_MB = _env_int("VERIFY_FILE_MAX_MB", 10, minimum=1)
