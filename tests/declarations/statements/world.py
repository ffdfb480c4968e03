"""A unit, its workers' spells, adjustments and payments, made directly for statement tests."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from accounts.selectors import office_resolve
from declarations.intake.models import ContributionRate
from declarations.payments.models import Payment, PaymentStatus
from declarations.people.models import ContributionAdjustment, EmploymentSpell, Person
from tests.factories import EmployerFactory

# The rates of the hand-made case (Law on Social Insurance 2014, domain.md): 32 % in all.
RATES_2016 = [
    ("bhxh_retirement", "employer", "14.0"),
    ("bhxh_sickness_maternity", "employer", "3.0"),
    ("bhxh_work_accident", "employer", "0.5"),
    ("bhyt", "employer", "3.0"),
    ("bhtn", "employer", "1.0"),
    ("bhxh_retirement", "employee", "8.0"),
    ("bhyt", "employee", "1.5"),
    ("bhtn", "employee", "1.0"),
]


def rates_seed(rates=RATES_2016, valid_from=date(2016, 1, 1)) -> None:
    """The rate table as data: exactly these rows."""
    ContributionRate.objects.all().delete()
    for fund, party, percent in rates:
        ContributionRate.objects.create(
            fund=fund, party=party, percent=percent, valid_from=valid_from
        )


def unit(office_code: str = "0101", **kwargs):
    return EmployerFactory(managing_office=office_resolve(office_code), **kwargs)


_numbers = iter(range(7_910_000_001, 7_999_999_999))


def worker(employer, salary: int, start: date, end: date | None = None, **kwargs) -> Person:
    person = Person.objects.create(number=str(next(_numbers)))
    EmploymentSpell.objects.create(
        person=person,
        employer=employer,
        status=kwargs.pop("status", "contributing"),
        from_month=start,
        to_month=end,
        salary=salary,
        opened_plan="TM",
        **kwargs,
    )
    return person


def adjustment(
    employer, person, *, plan, start, end, salary, recorded, direction="increase", interest=0
):
    return ContributionAdjustment.objects.create(
        person=person,
        employer=employer,
        plan=plan,
        direction=direction,
        from_month=start,
        to_month=end,
        salary=salary,
        interest=interest,
        dossier_id=1,
        recorded_at=timezone.make_aware(datetime.combine(recorded, time(10))),
    )


def payment(employer, amount: int, paid_on: date, unc: str | None = None, **kwargs) -> Payment:
    return Payment.objects.create(
        employer=employer,
        unc_number=unc or f"UNC{paid_on:%Y%m%d}{amount}",
        paid_on=paid_on,
        amount=amount,
        status=kwargs.pop("status", PaymentStatus.MATCHED),
        **kwargs,
    )
