"""Create, change or close accounts of the directory of official e-mail accounts."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction


class Command(BaseCommand):
    help = "Create or update directory accounts (official e-mail); --disable closes them."

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="+", metavar="email")
        parser.add_argument("--name", default="", help="full name (họ và tên), one e-mail only")
        parser.add_argument("--password", default="", help="new password (kept when empty)")
        parser.add_argument("--disable", action="store_true", help="close the accounts")

    @transaction.atomic
    def handle(self, *args, emails, name, password, disable, **options):
        if name and len(emails) > 1:
            raise CommandError("--name goes with a single e-mail")
        for raw in emails:
            email = raw.strip().lower()
            try:
                validate_email(email)
            except ValidationError as exc:
                raise CommandError(f"not an e-mail address: {raw}") from exc
            user, created = get_user_model().objects.get_or_create(
                username=email, defaults={"email": email}
            )
            if created and not password and not disable:
                raise CommandError("a new account needs --password")
            user.email = email
            if name:
                user.first_name = name[:150]
            if password:
                user.set_password(password)
            user.is_active = not disable
            user.save()
            state = "closed" if disable else ("created" if created else "updated")
            self.stdout.write(f"{email}: {state}")
