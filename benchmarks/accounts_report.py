"""Benchmark: a province's quarterly account report over a busy quarter of audit entries.

Floor: 20 000 audit entries in the quarter (5 000 of them the province's account events)
are turned into the report in at most 2.0 s, and the lifecycle beat job applies 500 due
decisions in at most 30 s. Prints each figure as a ratio of the floor (< 1 is inside it).

Run: DATABASE_URL=postgres://… python benchmarks/accounts_report.py
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

REPORT_FLOOR_S = 2.0
DECISIONS_FLOOR_S = 30.0
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def main() -> None:
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import time_machine

        from accounts import audit, lifecycle, reports
        from accounts.models import Role, User
        from accounts.selectors import office_resolve
        from accounts.services import membership_grant

        call_command("loaddata", "offices", "roles", "applications", verbosity=0)
        hn, th = office_resolve("0101"), office_resolve("3801")
        day = date(2031, 2, 1)
        with time_machine.travel(datetime.combine(day, dtime(9), tzinfo=VN), tick=True):
            for i in range(20_000):
                office = hn if i % 4 == 0 else th
                action = "application.granted" if i % 8 == 0 else "account.locked"
                audit.record(
                    None,
                    action,
                    f"user {i}",
                    office,
                    {"username": f"u{i}", "application": "receiving", "applications": ["lookup"]},
                )
            t0 = time.perf_counter()
            report = reports.report_compute(province=office_resolve("01"), year=2031, quarter=1)
            report_s = time.perf_counter() - t0
            role = Role.objects.get(pk="receiving_officer")
            admin = None
            for i in range(500):
                user = User.objects.create(username=f"b{i}")
                membership_grant(actor=admin, user=user, role=role, office=hn, valid_from=day)
                lifecycle.decision_record(
                    actor=None,
                    user=user,
                    number=f"{i}",
                    signed_on=day,
                    kind="maternity",
                    effective_on=day + timedelta(days=1),
                )
        with time_machine.travel(
            datetime.combine(day + timedelta(days=1), dtime(0, 0, 1), tzinfo=VN), tick=True
        ):
            t0 = time.perf_counter()
            applied = lifecycle.decisions_apply_due()
            decisions_s = time.perf_counter() - t0
        assert applied == 500, applied
        print(
            f"report: {report['totals']} in {report_s:.3f} s "
            f"(ratio {report_s / REPORT_FLOOR_S:.3f} of the {REPORT_FLOOR_S} s floor)"
        )
        print(
            f"decisions: {applied} applied in {decisions_s:.3f} s "
            f"(ratio {decisions_s / DECISIONS_FLOOR_S:.3f} of the {DECISIONS_FLOOR_S} s floor)"
        )
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
