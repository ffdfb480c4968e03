"""Settings of the signing service deployed on its own (a CA's server, not the portal's):
``DJANGO_SETTINGS_MODULE=csc_service.deploy.settings``. Its own database, its own secret
and storage keys, all from the environment; nothing of the portal is installed."""

from pathlib import Path

import environ

env = environ.Env()
BASE_DIR = Path(env.str("CSC_SERVICE_HOME", default=str(Path.cwd())))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")  # no default: a deployment sets its own
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",  # password hashers only: the service has its own accounts
    "django.contrib.staticfiles",
    "csc_service",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "csc_service.deploy.urls"
WSGI_APPLICATION = "csc_service.deploy.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'csc.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

CSC_SERVICE_STORAGE_KEYS = env.list("CSC_SERVICE_STORAGE_KEYS")  # Fernet keys, first encrypts
CSC_SERVICE_TOKEN_SECONDS = env.int("CSC_SERVICE_TOKEN_SECONDS", default=3600)
CSC_SERVICE_APPROVAL_SECONDS = env.int("CSC_SERVICE_APPROVAL_SECONDS", default=300)
CSC_SERVICE_SAD_SECONDS = env.int("CSC_SERVICE_SAD_SECONDS", default=300)
