"""Benchmark: the portal's signing round trip for a 50-row dossier against intake alone.

    .venv/bin/python benchmarks/signing_round_trip.py [--rows 50] [--runs 10] [--breakdown]
    .venv/bin/python benchmarks/signing_round_trip.py --profile

``--breakdown``: each phase's median time and SQL statements; ``--profile``: one round trip
under cProfile.

Throwaway PostgreSQL database (PG_HOST/PG_PORT, default 127.0.0.1:5432), dropped at the end.
The unit's key is put on a SoftHSM2 token and the local signer (``signer/``) serves it on a
free port; every confirmation is answered at once through its console (the PIN once), so
the time is the machine's, not a person's.

* round trip: ``signing_prepare`` (the unsigned dossier kept) → ``signing_start`` (the
  certificate checked, round 1's digests) → the signer's ``/v1/sign`` over HTTP → round 1
  accepted (values verified, the envelope's digest) → ``/v1/sign`` → round 2 accepted
  (verified, assembled) → ``intake_submit``;
* intake alone: ``intake_submit`` of the same kind of dossier signed with the key file.

Target: round trip ≤ 1.5 × intake alone (medians over ``--runs``, alternating).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
sys.path.insert(1, str(ROOT / "benchmarks"))

import intake as bench_intake  # noqa: E402  (the intake benchmark's set-up and lists)

ORIGIN = "http://portal.bench"
PIN = "246810"


def unsigned(employer, n_rows: int, salt: str) -> bytes:
    from declarations.employers.procedures import procedure_get
    from declarations.intake.envelope import d02lt_build, envelope_build

    rows = bench_intake.rows(n_rows, salt)
    return envelope_build(
        employer=employer,
        procedure=procedure_get("600"),
        period="10/2026",
        files=[("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))],
    )


def token_signer(folder: Path):
    """The unit's key on a SoftHSM token and the local signer serving it."""
    from tests.signer.process import SignerProcess
    from tests.signer.softhsm import softhsm_token_create

    token = softhsm_token_create(folder / "softhsm", label="BENCH1A", pin=PIN)
    token.key_import(
        key_pem=(folder / "BENCH1A.key.pem").read_bytes(),
        cert_pem=(folder / "BENCH1A.cert.pem").read_bytes(),
        key_id="01",
        label="BENCH1A",
    )
    return SignerProcess(module=token.module, env=token.env, origins=[ORIGIN])


class Console:
    """Answers the signer's prompts as they come: "y" to each request, the PIN once."""

    def __init__(self, signer):
        from tests.signer.process import CONFIRM_PROMPT, PIN_PROMPT

        self.signer, self.confirm, self.pin = signer, CONFIRM_PROMPT, PIN_PROMPT
        self.asked = 0

    def answer(self) -> threading.Thread:
        self.asked += 1
        count, first = self.asked, self.asked == 1

        def run():
            self.signer.type("y", after=self.confirm, count=count)
            if first:
                self.signer.type(PIN, after=self.pin)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


class Phases:
    """Per phase of the round trip: the time (s) and the number of SQL statements."""

    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.queries: dict[str, list[int]] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        from django.db import connection

        count = [0]

        def counted(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        t0 = time.perf_counter()
        with connection.execute_wrapper(counted):
            yield
        self.times.setdefault(name, []).append(time.perf_counter() - t0)
        self.queries.setdefault(name, []).append(count[0])

    def report(self, alone: float, alone_queries: int) -> str:
        lines = [f"  {'phase':<34} {'median ms':>9} {'× intake':>9} {'SQL':>4}"]
        for name, times in self.times.items():
            t = statistics.median(times)
            q = statistics.median(self.queries[name])
            lines.append(f"  {name:<34} {t * 1000:9.1f} {t / alone:9.2f} {q:4.0f}")
        lines.append(
            f"  {'(intake alone, channel cli)':<34} {alone * 1000:9.1f} {1:9.2f} {alone_queries:4.0f}"
        )
        return "\n".join(lines)


NO_PHASES = None


def round_trip(
    user, employer, data: bytes, signer, console, der: bytes, page, phases=NO_PHASES
) -> tuple[float, float]:
    """(the whole round trip, the part spent in the signer's ``/v1/sign``) in seconds;
    ``page`` is the HTTP client standing in for the browser's ``fetch`` (one kept-alive
    client, as a page's: a new client per call spent ≈ 27 ms building a TLS context)."""
    from declarations.signing import services

    # Each step is a request of its own: its own user object, as the login middleware loads
    # it (loaded before the clock starts, as that is not the signing's), so nothing the
    # scope checks remember carries from one step to the next.
    requests = iter([type(user).objects.get(pk=user.pk) for _ in range(4)])
    phase = phases or (lambda name: contextlib.nullcontext())
    in_signer = 0.0
    t0 = time.perf_counter()
    with phase("prepare (may_reach, INSERT)"):
        session = services.signing_prepare(user=next(requests), employer=employer, data=data)
    with phase("start (certificate, forms' digests)"):
        step = services.signing_start(
            user=next(requests), session_id=session.pk, method="token", certificate_der=der
        )
    while True:
        answering = console.answer()
        t1 = time.perf_counter()
        signing = phase(f"signer /v1/sign, round {step.session.round}")
        signing.__enter__()
        resp = page.post(
            signer.url + "/v1/sign",
            headers={"Origin": ORIGIN},
            json={
                "certificate_id": "01",
                "algorithm": "rsa-pkcs1-sha256",
                "digests": step.digests,
                "summary": "benchmark",
            },
        )
        status, body = resp.status_code, resp.json()
        answering.join()
        signing.__exit__(None, None, None)
        in_signer += time.perf_counter() - t1
        assert status == 200, body
        round_no = step.session.round
        with phase(f"round {round_no} (verify, {'claim' if round_no == 2 else 'envelope'})"):
            step = services.signing_round_complete(
                user=next(requests),
                session_id=session.pk,
                round_no=round_no,
                signatures=body["signatures"],
            )
        with phase("intake (portal) + session done" if round_no == 2 else "—"):
            step = services.signing_submit(step)
        if step.dossier_id is not None or step.errors:
            break
    elapsed = time.perf_counter() - t0
    assert step.dossier_id is not None, step.errors[:3]
    return elapsed, in_signer


def profile(user, employer, data, signer, console, der, page) -> None:
    """One round trip under cProfile: the heaviest functions by own and cumulative time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    round_trip(user, employer, data, signer, console, der, page)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def intake_alone(data: bytes, phases=NO_PHASES) -> float:
    from declarations.intake.pipeline import intake_submit

    phase = phases or (lambda name: contextlib.nullcontext())
    t0 = time.perf_counter()
    with phase("intake alone"):
        result = intake_submit(data=data, channel="cli")
    elapsed = time.perf_counter() - t0
    assert result.ok, result.errors[:3]
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--profile", action="store_true", help="profile one round trip (cProfile) and stop"
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="time and count the SQL of each phase"
    )
    args = parser.parse_args()
    bench_intake.drop_database()
    bench_intake.create_database()
    signer = None
    try:
        employer = bench_intake.setup()
        from cryptography import x509
        from cryptography.hazmat.primitives.serialization import Encoding
        from django.test.utils import setup_test_environment

        from declarations.employers.pki.signing import sign_dossier
        from declarations.intake.money_tables import money_tables_seed
        from tests.factories import employer_user

        setup_test_environment()
        money_tables_seed()
        folder = bench_intake.WORK / "pki"
        key = (folder / "BENCH1A.key.pem").read_bytes()
        cert = (folder / "BENCH1A.cert.pem").read_bytes()
        der = x509.load_pem_x509_certificate(cert).public_bytes(Encoding.DER)
        user = employer_user(employer, username="bench_signing")
        signer = token_signer(folder)
        console = Console(signer)
        trips, portal, intakes = [], [], []
        # A warm-up of each (imports, caches, the token's login), then alternating runs.
        page = httpx.Client(timeout=60)
        round_trip(
            user, employer, unsigned(employer, args.rows, "warm"), signer, console, der, page
        )
        intake_alone(
            sign_dossier(unsigned(employer, args.rows, "warm2"), key_pem=key, cert_pem=cert)
        )
        if args.profile:
            profile(
                user,
                employer,
                unsigned(employer, args.rows, "profiled"),
                signer,
                console,
                der,
                page,
            )
            return 0
        phases = Phases() if args.breakdown else NO_PHASES
        alone_phases = Phases() if args.breakdown else NO_PHASES
        for k in range(args.runs):
            data = unsigned(employer, args.rows, f"trip-{k}")
            total, in_signer = round_trip(user, employer, data, signer, console, der, page, phases)
            trips.append(total)
            portal.append(total - in_signer)
            signed = sign_dossier(
                unsigned(employer, args.rows, f"alone-{k}"), key_pem=key, cert_pem=cert
            )
            intakes.append(intake_alone(signed, alone_phases))
        trip, alone = statistics.median(trips), statistics.median(intakes)
        own = statistics.median(portal)
        print(
            f"{args.rows}-row 600, {args.runs} runs: round trip {trip * 1000:.1f} ms "
            f"(prepare → token via the local signer → assemble → intake), intake alone "
            f"{alone * 1000:.1f} ms: {trip / alone:.2f} × (target ≤ 1.5)\n"
            f"  of which the portal's part (all but the two /v1/sign calls): "
            f"{own * 1000:.1f} ms = {own / alone:.2f} × intake alone",
            flush=True,
        )
        if phases is not None:
            phases.times.pop("—", None)
            phases.queries.pop("—", None)
            print(phases.report(alone, statistics.median(alone_phases.queries["intake alone"])))
    finally:
        if signer is not None:
            signer.stop()
        from django.db import connections

        connections.close_all()
        bench_intake.drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
