"""Benchmark: signing in, against the password hasher's own check of the same password.

    .venv/bin/python benchmarks/login.py [--logins 60] [--hasher pbkdf2]

Floor: ``check_password`` of the same password against the same stored hash, in the same
process, rounds alternated with the logins. Target: login p95 ≤ 1.2 × the floor's p95.
A login is the POST of the sign-in form through Django's test client with every
middleware of the portal (axes, sessions, the second-factor check, CSP, structured logs):
the password check, the audit entry, the session, the login bookkeeping. Also prints
where a login's time goes (the hasher, the audit entry, the session, axes, the rest),
and what the first login with an old PBKDF2 hash costs (checked, then rewritten as
Argon2). ``--hasher pbkdf2`` measures the same with PBKDF2 first, as before Argon2.

The database is a throwaway test database on DATABASE_URL (PostgreSQL), or an in-memory
SQLite database when it is unset.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
os.environ.setdefault("TEST_LOG_LEVEL", "ERROR")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from portal.settings import base as base_settings  # noqa: E402

RATIO_TARGET = 1.2
PASSWORD = "Bhxh#Benchmark2026"  # noqa: S105


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


class Spent:
    """Time spent inside some functions during a login, wrapped in place."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.on = False  # counted during the logins only, not the floor's own checks

    def wrap(self, owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if not self.on:
                return original(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--hasher", choices=["argon2", "pbkdf2"], default="argon2")
    args = parser.parse_args()
    # The portal's hashers, not the test settings' MD5.
    chosen = sorted(base_settings.PASSWORD_HASHERS, key=lambda h: args.hasher not in h.lower())
    settings.PASSWORD_HASHERS = chosen
    from django.contrib.auth import hashers

    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.logins)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


def run(logins: int) -> None:
    from axes.handlers.proxy import AxesProxyHandler
    from django.contrib.auth import hashers
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client
    from django.urls import reverse

    from accounts import audit, lifecycle
    from accounts.models import User
    from accounts.selectors import office_resolve
    from accounts.services import membership_grant

    call_command("loaddata", "offices", "roles", verbosity=0)
    user = User.objects.create(username="tiepnhan.bench", full_name="Bench")
    user.set_password(PASSWORD)
    user.save()
    from accounts.models import Role

    membership_grant(
        actor=None,
        user=user,
        role=Role.objects.get(pk="receiving_officer"),
        office=office_resolve("0101"),
    )
    url = reverse("accounts:login")
    form = {"username": user.username, "password": PASSWORD}

    def login_once() -> float:
        client = Client()
        t0 = time.perf_counter()
        response = client.post(url, form)
        spent = time.perf_counter() - t0
        assert response.status_code == 302, response.status_code
        return spent

    # Warm up: URL resolver, templates, translations, connections.
    for _ in range(3):
        login_once()
        hashers.check_password(PASSWORD, User.objects.get(pk=user.pk).password)

    stored = User.objects.get(pk=user.pk).password
    floor, total = [], []
    spent = Spent()
    algorithm = stored.split("$", 1)[0]
    hasher = hashers.get_hashers_by_algorithm()[algorithm]
    spent.wrap(type(hasher), "verify", "password hasher")
    spent.wrap(audit, "entry_build", "audit entry (build)")
    spent.wrap(audit, "record", "audit entry (write)")
    spent.wrap(lifecycle, "session_track", "login session row")
    spent.wrap(SessionStore, "save", "session save")
    spent.wrap(SessionStore, "cycle_key", "session key cycle")
    spent.wrap(AxesProxyHandler, "is_allowed", "axes: lockout check")
    spent.wrap(AxesProxyHandler, "user_logged_in", "axes: login bookkeeping")
    for _ in range(logins):  # alternated, so both see the same machine load
        t0 = time.perf_counter()
        hashers.check_password(PASSWORD, stored)
        floor.append(time.perf_counter() - t0)
        spent.on = True
        total.append(login_once())
        spent.on = False
    floor_p95, login_p95 = p95(floor), p95(total)
    print(f"hasher: {algorithm} ({settings.PASSWORD_HASHERS[0].rsplit('.', 1)[1]} first)")
    print(
        f"floor check_password: median {statistics.median(floor) * 1000:.1f} ms, "
        f"p95 {floor_p95 * 1000:.1f} ms ({logins} rounds)"
    )
    print(
        f"login POST: median {statistics.median(total) * 1000:.1f} ms, "
        f"p95 {login_p95 * 1000:.1f} ms"
    )
    print(
        f"login p95 / floor p95: {login_p95 / floor_p95:.3f} "
        f"(target ≤ {RATIO_TARGET}: {'met' if login_p95 / floor_p95 <= RATIO_TARGET else 'NOT met'})"
    )
    per_login = sum(total) / logins
    print(f"where a login's {per_login * 1000:.1f} ms go (mean per login):")
    accounted = 0.0
    for label, seconds in sorted(spent.seconds.items(), key=lambda kv: -kv[1]):
        ms = seconds / logins * 1000
        if label != "audit entry (build)":  # inside the write
            accounted += seconds / logins
        print(f"  {label:<28} {ms:7.2f} ms")
    print(f"  {'the rest (middleware, view)':<28} {(per_login - accounted) * 1000:7.2f} ms")

    if args_hasher_first() != "Argon2PasswordHasher":
        return
    # The first login with a hash from before Argon2: checked once, then rewritten.
    user.password = hashers.make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    t0 = time.perf_counter()
    login_once()
    upgrade = time.perf_counter() - t0
    now = User.objects.get(pk=user.pk).password.split("$", 1)[0]
    print(f"first login with a PBKDF2 hash: {upgrade * 1000:.1f} ms, stored as {now} afterwards")


def args_hasher_first() -> str:
    return settings.PASSWORD_HASHERS[0].rsplit(".", 1)[1]


if __name__ == "__main__":
    main()
