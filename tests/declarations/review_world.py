"""A small world for the review tests: two offices, staff in each, dossiers in any state."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from accounts.selectors import office_resolve
from declarations.dossiers.models import Dossier
from tests.factories import EmployerFactory, UserFactory, employer_user, grant

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def staff(office_code: str, role: str = "receiving_officer", **kwargs):
    user = UserFactory(**kwargs)
    grant(user, role, office_resolve(office_code), valid_from=date(2015, 1, 1))
    return user


def unit(office_code: str, **kwargs):
    kwargs.setdefault("contact_email", "ketoan@dv.example.vn")
    return EmployerFactory(managing_office=office_resolve(office_code), **kwargs)


def dossier_make(employer, *, received_at=None, procedure="600", **kwargs) -> Dossier:
    fields = {
        "employer": employer,
        "procedure_code": procedure,
        "period": "01/2026",
        "transaction_code": f"T-{secrets.token_hex(6).upper()}",
        "channel": "portal",
        "content_sha256": secrets.token_hex(32),
    }
    if received_at is not None:
        fields["received_at"] = received_at
    fields.update(kwargs)
    return Dossier.objects.create(**fields)


class World:
    def __init__(self):
        self.office_a = office_resolve("7501")
        self.office_b = office_resolve("7502")
        self.officer_a = staff("7501", full_name="Nguyễn Văn A")
        self.officer_a2 = staff("7501", full_name="Trần Thị A2")
        self.officer_b = staff("7502", full_name="Lê Văn B")
        self.unit_a = unit("7501", name="Công ty A")
        self.unit_b = unit("7502", name="Công ty B")
        self.employer_a = employer_user(self.unit_a)
