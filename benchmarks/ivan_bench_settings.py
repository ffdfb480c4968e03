"""Settings of benchmarks/ivan_load.py: the test settings plus the floor endpoint's URLs."""

from portal.settings.test import *  # noqa: F403

ROOT_URLCONF = "benchmarks.ivan_bench_urls"
