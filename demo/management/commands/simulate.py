"""``manage.py simulate --days 365 --employers 50 --database-url postgres://…/bhxh_sim``."""

import environ
from celery import current_app as app
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.test.utils import override_settings

from demo.simulation import year


class Command(BaseCommand):
    help = "Simulate days of the portal with faults and print the compliance table."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--employers", type=int, default=20)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--database-url",
            help="a dedicated, empty PostgreSQL database for the run (migrated here); "
            "--central-database-url is then required too",
        )
        parser.add_argument("--central-database-url")
        parser.add_argument(
            "--use-configured-database",
            action="store_true",
            help="run on the configured databases (they receive the simulated data)",
        )

    def handle(self, *args, **opts):
        if year.time_machine is None:
            raise CommandError("simulate needs time-machine: pip install -e '.[test]'")
        if opts["database_url"]:
            self._switch(opts["database_url"], opts["central_database_url"])
        elif not opts["use_configured_database"]:
            raise CommandError(
                "refusing to write a simulated year into the configured database: give "
                "--database-url (and --central-database-url) of dedicated databases, or "
                "--use-configured-database"
            )
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        # Every setting the run changes (trust store, central URL, credential files…) is
        # put back when it ends.
        try:
            with override_settings(
                ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],  # the test client
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
                CELERY_TASK_ALWAYS_EAGER=True,
            ):
                result = year.World(
                    days=opts["days"],
                    employers=opts["employers"],
                    seed=opts["seed"],
                    out=self.stdout.write,
                ).run()
        finally:
            app.conf.task_always_eager = eager
        self.stdout.write(year.table(result))
        if result["lost"] or result["duplicated"]:
            raise CommandError("something was lost or duplicated")

    def _switch(self, url, central_url):
        if not central_url:
            raise CommandError("--central-database-url is required with --database-url")
        for alias, value in (("default", url), ("central", central_url)):
            connections[alias].close()
            config = environ.Env.db_url_config(value)
            settings.DATABASES[alias].update(config)
            connections.settings[alias].update(config)
            del connections[alias]  # a new connection of the right backend on next use
        call_command("migrate", verbosity=0)
        call_command("migrate", database="central", verbosity=0)
