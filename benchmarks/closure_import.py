"""Benchmark: import N closure lines (CSV, the collection system's export) — the preview's
check, then the confirmation that stores them — against PostgreSQL COPY of the same rows
into the same tables (the floor), and the importing process's peak memory.

    .venv/bin/python benchmarks/closure_import.py --lines 1000000

Creates a throwaway database on the local PostgreSQL (dropped at the end), writes the CSV
(1 to 3 periods per closure), runs the import in a child process (its peak RSS is the
memory figure), then copies the stored rows out and times COPY of them back in. Targets:
store rows/s ≥ 0.2 × COPY's; peak memory < 300 MB. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
HEADER = (
    "MaDonVi,SoSoBHXH,MaSoBHXH,HoTen,NgaySinh,LoaiChotSo,NgayChotSo,TuThang,DenThang,"
    "TienLuong,TyleDong\r\n"
)


def admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def export_write(path: Path, lines: int) -> int:
    """``lines`` lines of closures with 1–3 consecutive periods each; returns closures."""
    rng = random.Random(25)
    closures = written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\ufeff" + HEADER)
        while written < lines:
            closures += 1
            book = f"{1_000_000_000 + closures:010d}"
            kind = "BHTN" if closures % 3 == 0 else "BHXH"
            year = 2008 + closures % 17
            closed = f"{1 + closures % 28:02d}/{1 + closures % 12:02d}/{year + 1}"
            unit = f"DV{closures % 5000:05d}"
            name = f"Nguyễn Văn {closures}"
            birth = f"{1 + closures % 28:02d}/{1 + closures % 12:02d}/{1960 + closures % 40}"
            start = year - 6
            for p in range(min(1 + rng.randrange(3), lines - written)):
                a, b = start + 2 * p, start + 2 * p + 1
                salary = 4_000_000 + rng.randrange(200) * 50_000
                out.write(
                    f"{unit},{book},{book},{name},{birth},{kind},{closed},"
                    f"01/{a},12/{b},{salary},8\r\n"
                )
                written += 1
    return closures


def child(path: str) -> None:
    """In the child process: upload the file (kept, hashed, then checked: the preview),
    then confirm it (stored). Tasks run in-process here, each when its transaction
    commits, as on the embedded default."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.files import File

    from accounts.models import User
    from accounts.selectors import office_resolve
    from closure_sync.imports.services import closure_import_confirm, closure_import_receive
    from closure_sync.models import ImportState

    actor, _ = User.objects.get_or_create(username="bench_import")
    with open(path, "rb") as fh:
        t0 = time.perf_counter()
        imp = closure_import_receive(actor=actor, office=office_resolve("0101"), upload=File(fh))
        t1 = time.perf_counter()
    imp.refresh_from_db()
    assert imp.state == ImportState.PREVIEWED, imp.problems[:5]
    closure_import_confirm(actor=actor, imp=imp)
    t2 = time.perf_counter()
    imp.refresh_from_db()
    assert imp.state == ImportState.STORED, imp.error
    print(
        json.dumps({"lines": imp.lines, "check_seconds": t1 - t0, "store_seconds": t2 - t1}),
        flush=True,
    )


def copy_floor(url: str) -> float:
    """COPY the stored closures and periods out, empty the tables, time COPY back in."""
    tables = ("closure_sync_closurerecord", "closure_sync_closureperiod")
    data = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            buf = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as cp:
                for chunk in cp:
                    buf.write(chunk)
            data[table] = buf.getvalue()
        conn.execute(f"TRUNCATE {', '.join(tables)}")
        started = time.perf_counter()
        with conn.transaction():
            for table in tables:
                with conn.cursor().copy(f"COPY {table} FROM STDIN") as cp:
                    view = memoryview(data[table])
                    for i in range(0, len(view), 1 << 20):
                        cp.write(view[i : i + (1 << 20)])
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    db = f"bench_import_{secrets.token_hex(4)}"
    admin(f"CREATE DATABASE {db}")
    tmp = Path(tempfile.mkdtemp(prefix="closure-import-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.base",
        "DATABASE_URL": f"{PG}/{db}",
        "CENTRAL_DATABASE_URL": f"{PG}/{db}",
        "MEDIA_ROOT": str(tmp / "media"),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    report: dict = {"lines": args.lines}
    try:
        print("migrating…", flush=True)
        for cmd in (["migrate", "--noinput"], ["loaddata", "offices", "roles"]):
            subprocess.run(
                [sys.executable, "manage.py", *cmd], cwd=ROOT, env=env, check=True,
                capture_output=True,
            )  # fmt: skip
        export = tmp / "export.csv"
        print(f"writing {args.lines:,} lines…", flush=True)
        report["closures"] = export_write(export, args.lines)
        report["file_mb"] = round(export.stat().st_size / 1e6, 1)
        print("importing (check, then store)…", flush=True)
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", str(export)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise SystemExit(f"import failed with status {status}")
        figures = json.loads(out.strip().splitlines()[-1])
        report.update(
            check_seconds=round(figures["check_seconds"], 1),
            store_seconds=round(figures["store_seconds"], 1),
            store_rps=round(args.lines / figures["store_seconds"]),
            check_and_store_rps=round(
                args.lines / (figures["check_seconds"] + figures["store_seconds"])
            ),
            peak_rss_mb=round(usage.ru_maxrss / 1024, 1),
        )
        print("COPY floor…", flush=True)
        copy_seconds = copy_floor(env["DATABASE_URL"])
        copy_rps = args.lines / copy_seconds
        report.update(
            copy_seconds=round(copy_seconds, 2),
            copy_rps=round(copy_rps),
            store_ratio_to_copy=round(report["store_rps"] / copy_rps, 3),
            check_and_store_ratio_to_copy=round(report["check_and_store_rps"] / copy_rps, 3),
        )
        print(json.dumps(report, indent=1), flush=True)
    finally:
        if not args.keep:
            admin(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


if __name__ == "__main__":
    main()
