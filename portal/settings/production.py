"""Production: secrets are required, HTTPS everywhere, static files hashed.

Refuses to start without ``SECRET_KEY``; passes ``manage.py check --deploy`` cleanly.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production"
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# E-mailed links name the portal's public address: the first allowed host over HTTPS
# unless SITE_URL says otherwise (never the development default).
SITE_URL = env.str(
    "SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else ""
).rstrip("/")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Keyed audit checkpoints: never a key generated on the fly, never files under the code
# tree. Unset, the sealer logs ``audit_checkpoint_unconfigured`` and ``audit_verify``
# fails, so a portal without its checkpoint key cannot pass as verified (README "Trust").
AUDIT_CHECKPOINT_KEY_AUTOCREATE = False
AUDIT_CHECKPOINT_REQUIRED = True
AUDIT_CHECKPOINT_KEY_FILE = env.str("AUDIT_CHECKPOINT_KEY_FILE", default="")
AUDIT_CHECKPOINT_PUBLIC_KEYS = env.str("AUDIT_CHECKPOINT_PUBLIC_KEYS", default="")
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default="")
