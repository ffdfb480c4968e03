"""``manage.py partitions``: the monthly partitions listed, created ahead, detached.

manage.py partitions                              # list (table, month, rows, size)
manage.py partitions --create-ahead 6             # this month and the next 6
manage.py partitions --detach-before 2025-01 --to schema   # move to schema "archive"
manage.py partitions --detach-before 2025-01 --to file --directory /srv/archive
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.partitions import services


def _month(text: str) -> date:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise CommandError(f"not a month (YYYY-MM): {text}") from exc


class Command(BaseCommand):
    help = "List the monthly partitions, create months ahead, detach and archive old months."

    def add_arguments(self, parser):
        parser.add_argument("--create-ahead", type=int, metavar="N", help="next N months")
        parser.add_argument(
            "--detach-before", metavar="YYYY-MM", help="detach months ending by this month"
        )
        parser.add_argument("--to", choices=["schema", "file"], default="schema")
        parser.add_argument("--directory", type=Path, help="where --to file writes")
        parser.add_argument("--json", action="store_true", help="answer as JSON")

    def handle(self, *args, **options):
        before = _month(options["detach_before"]) if options["detach_before"] else None
        if connection.vendor != "postgresql":
            self.stdout.write("plain tables (partitions are PostgreSQL's)")
            return
        created = []
        if options["create_ahead"] is not None:
            if options["create_ahead"] < 0:
                raise CommandError("--create-ahead takes 0 or more months")
            created = services.partitions_ensure(months_ahead=options["create_ahead"])
        detached = []
        if before is not None:
            if options["to"] == "file" and options["directory"] is None:
                raise CommandError("--to file needs --directory")
            detached = services.partition_detach_before(
                before, archive=options["to"], directory=options["directory"]
            )
        listed = services.partitions_list()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "created": created,
                        "detached": [p.name for p in detached],
                        "partitions": [
                            {
                                "table": p.table,
                                "name": p.name,
                                "from": p.start.isoformat() if p.start else None,
                                "to": p.end.isoformat() if p.end else None,
                                "rows": p.rows,
                                "bytes": p.bytes,
                            }
                            for p in listed
                        ],
                    }
                )
            )
            return
        for name in created:
            self.stdout.write(f"created {name}")
        for p in detached:
            self.stdout.write(f"detached {p.name} ({p.rows} rows)")
        for p in listed:
            month = f"{p.start:%m/%Y}" if p.start else "DEFAULT"
            self.stdout.write(
                f"{p.table:24} {month:8} {p.rows:>12} rows {p.bytes:>14} bytes  {p.name}"
            )
