"""Demo statements (``seed_demo``): the demo unit TZH490L gets three workers, a payment last
month and its last two months' statements finalised, so its statement pages show figures
on a fresh ``scripts/dev.sh``. Idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from declarations.employers.models import Employer
from declarations.payments.models import Payment, PaymentStatus
from declarations.people.models import EmploymentSpell, Person, PersonIdentity
from declarations.statements.compute import month_prev
from declarations.statements.models import Statement
from declarations.statements.services import month_finalise

WORKERS = (
    ("7999990001", "Trần Thị Demo", 5_310_000),
    ("7999990002", "Lê Văn Mẫu", 5_310_000),
    ("7999990003", "Phạm Minh Thử", 9_000_000),
)


def statements_demo_seed(unit_code: str = "TZH490L") -> int:
    """Workers, a transfer and the final statements of the demo unit; how many it has."""
    unit = Employer.objects.filter(unit_code=unit_code).first()
    if unit is None:
        return 0
    this_month = timezone.localdate().replace(day=1)
    last = month_prev(this_month)
    start = month_prev(last)
    for number, name, salary in WORKERS:
        person, created = Person.objects.get_or_create(number=number)
        if created:
            PersonIdentity.objects.create(person=person, full_name=name, birth_date="01/01/1990")
        if not EmploymentSpell.objects.filter(person=person, employer=unit).exists():
            EmploymentSpell.objects.create(
                person=person,
                employer=unit,
                status="contributing",
                from_month=start,
                salary=salary,
                opened_plan="TM",
                job="Nhân viên",
            )
    Payment.objects.get_or_create(
        unc_number=f"UNC-DEMO-{last:%Y%m}",
        paid_on=last + timedelta(days=19),
        defaults={
            "employer": unit,
            "amount": 5_000_000,
            "status": PaymentStatus.MATCHED,
            "payer_name": unit.name,
            "description": f"{unit_code} nop BHXH thang {last:%m/%Y}",
        },
    )
    for month in (start, last):
        month_finalise(month, employer_ids=[unit.pk])
    # Not issued here: the agency's demo token is set up after the seed (scripts/dev.sh); the
    # first download issues the notice, signed by then.
    return Statement.objects.filter(employer=unit).count()
