"""Factories for the models the tests build, with the domain's identifiers."""

import factory
from django.utils import timezone

from accounts.models import Membership, Office, Role, User
from declarations.employers.models import Employer, EmployerChannel, EmployerMember, Provider
from ivan.models import ProviderMember

TEST_PASSWORD = "Mật-khẩu-Thử#2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.vn")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office

    code = factory.Sequence(lambda n: f"T{n:04d}")
    name = factory.LazyAttribute(lambda o: f"BHXH thử {o.code}")
    level = "local"
    valid_from = timezone.datetime(2008, 1, 1).date()


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    unit_code = factory.Sequence(lambda n: f"DV{n:04d}A")
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử nghiệm {n}")
    tax_code = "0101300842"
    managing_office = factory.SubFactory(OfficeFactory)
    wage_zone = "I"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"IVAN{n}")
    name = factory.LazyAttribute(lambda p: f"Nhà cung cấp {p.code}")


def grant(user: User, role_code: str, office: Office | None = None, **kwargs) -> Membership:
    """Give ``user`` a role the way the portal does (through the audited service)."""
    from accounts.services import membership_grant

    return membership_grant(
        actor=None, user=user, role=Role.objects.get(pk=role_code), office=office, **kwargs
    )


def employer_user(employer: Employer, **kwargs) -> User:
    user = UserFactory(**kwargs)
    EmployerMember.objects.create(employer=employer, user=user)
    grant(user, "employer_user", employer.managing_office)
    return user


def provider_user(provider: Provider, **kwargs) -> User:
    user = UserFactory(**kwargs)
    ProviderMember.objects.create(provider=provider, user=user)
    grant(user, "ivan_client")
    return user


def carry(employer: Employer, provider: Provider) -> EmployerChannel:
    return EmployerChannel.objects.update_or_create(
        employer=employer, defaults={"provider": provider}
    )[0]
