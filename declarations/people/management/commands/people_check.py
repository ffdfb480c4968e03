"""``manage.py people_check``: the registry's unguarded references, orphans counted."""

from django.core.management.base import BaseCommand, CommandError

from declarations.people.integrity import registry_orphans


class Command(BaseCommand):
    help = "Count registry rows whose person, unit or dossier does not exist (exit 1 if any)."

    def handle(self, *args, **options):
        found = registry_orphans()
        for name, count in sorted(found.items()):
            self.stdout.write(f"{name}: {count}")
        bad = {name: count for name, count in found.items() if count}
        if bad:
            raise CommandError(f"orphaned rows in {len(bad)} references: {bad}")
        self.stdout.write(self.style.SUCCESS("registry intact"))
