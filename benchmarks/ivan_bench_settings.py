"""Settings of benchmarks/ivan_load.py: the test settings plus the floor endpoint's URLs, and
the cache on Redis as in production (the providers' rate limits are counted there, shared
by every gunicorn worker), under a key prefix of its own run."""

from portal.settings.test import *  # noqa: F403
from portal.settings.test import env

ROOT_URLCONF = "benchmarks.ivan_bench_urls"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("TEST_REDIS_URL"),
        "KEY_PREFIX": env.str("CELERY_TASK_DEFAULT_QUEUE"),
    }
}
