"""Write docs/errors.md from the error catalogue (or check it with --check)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.refusals import catalogue_markdown


class Command(BaseCommand):
    help = "Generate docs/errors.md from core.refusals (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true")

    def handle(self, *args, check=False, **options):
        path = Path(settings.BASE_DIR) / "docs" / "errors.md"
        text = catalogue_markdown()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError("docs/errors.md is out of date: run manage.py errors_catalogue")
            self.stdout.write("docs/errors.md is up to date")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
