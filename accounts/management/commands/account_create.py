"""``manage.py account_create``: create an agency staff account from the server.

Outside accounts are refused (``--outside``): they only come from an approved request."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import AccountKind, BusinessApplication, Role
from accounts.provisioning import account_create
from accounts.selectors import OfficeNotFound, office_resolve
from core.refusals import Refused


class Command(BaseCommand):
    help = "Create an agency staff account at an office (outside accounts are refused)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--office", required=True, help="office code, e.g. 0101")
        parser.add_argument("--role", help="role code, e.g. receiving_officer")
        parser.add_argument("--application", action="append", default=[])
        parser.add_argument(
            "--outside",
            action="store_true",
            help="an outside person or organisation: always refused here",
        )

    def handle(self, *args, **options):
        try:
            office = office_resolve(options["office"])
            role = Role.objects.get(pk=options["role"]) if options["role"] else None
            apps = [BusinessApplication.objects.get(pk=c) for c in options["application"]]
            user = account_create(
                actor=None,
                username=options["username"],
                full_name=options["full_name"],
                email=options["email"],
                office=office,
                role=role,
                applications=apps,
                account_kind=AccountKind.OUTSIDE if options["outside"] else AccountKind.STAFF,
            )
        except (OfficeNotFound, Role.DoesNotExist, BusinessApplication.DoesNotExist) as exc:
            raise CommandError(f"Unknown reference: {exc}") from exc
        except (ValidationError, Refused) as exc:
            if isinstance(exc, Refused):
                exc = exc.validation_error()
            error = exc.error_list[0]
            raise CommandError(f"[{error.code}] {error.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"Account {user.username} created."))
