"""Confirm (chốt sổ) every draft closure of an office in bulk."""

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.scope import may
from accounts.selectors import OfficeNotFound, office_resolve
from closure_sync.services import closures_confirm_bulk


class Command(BaseCommand):
    help = "Confirm all draft closures of an office created up to a date."

    def add_arguments(self, parser):
        parser.add_argument("--office", required=True, help="office code")
        parser.add_argument("--user", required=True, help="confirming officer's username")
        parser.add_argument("--until", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, office, user, until=None, **options):
        try:
            office_obj = office_resolve(office)
        except OfficeNotFound:
            raise CommandError(f"unknown office code {office}") from None
        actor = get_user_model().objects.filter(username=user, is_active=True).first()
        if actor is None or not may(actor, "closure_sync.confirm_closure", office_obj):
            raise CommandError(f"{user} may not confirm closures at {office}")
        day = date.fromisoformat(until) if until else timezone.localdate()
        done = closures_confirm_bulk(actor=actor, office=office_obj, until=day)
        self.stdout.write(f"Confirmed {done} closure(s) at {office}.")
