"""``rows_insert_linked``: a row and the rows pointing at it, written as the ORM writes them."""

from datetime import date

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection
from django.utils import timezone

from accounts.models import AuditEntry
from core.db import Children, rows_insert_linked
from core.outbox.models import OutboxMessage, OutboxState
from ivan.models import Contract, Provider

pytestmark = pytest.mark.django_db


def _provider_with_rows(code="TEST-LINK", key="linked"):
    provider = Provider(code=code, name="Nhà cung cấp thử")
    contracts = [
        Contract(provider=provider, number=f"HĐ-{i}", valid_from=date(2026, 1, i + 1))
        for i in range(2)
    ]
    entry = AuditEntry(at=timezone.now(), action="test.linked", target_repr=code, data={})
    message = OutboxMessage(kind="email", key=key, payload={"to": ["a@example.vn"], "n": 1})
    return provider, contracts, entry, message


def _children(contracts, entry, message):
    return (
        Children(contracts, link="provider"),
        Children([entry], link="target_id"),
        Children([message]),
    )


def test_the_rows_are_written_with_the_parents_key(django_assert_max_num_queries):
    provider, contracts, entry, message = _provider_with_rows()
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 6):
        rows_insert_linked(provider, *_children(contracts, entry, message))
    assert Provider.objects.get(pk=provider.pk).code == "TEST-LINK"
    stored = list(Contract.objects.filter(provider=provider).order_by("pk"))
    assert [c.pk for c in stored] == [c.pk for c in contracts]
    assert [c.number for c in stored] == ["HĐ-0", "HĐ-1"]  # each row its own values
    assert all(c.provider_id == provider.pk and not c._state.adding for c in contracts)
    assert entry.target_id == AuditEntry.objects.get(pk=entry.pk).target_id == str(provider.pk)


def test_defaults_and_conversions_are_those_of_the_orm():
    provider, contracts, entry, ours = _provider_with_rows()
    rows_insert_linked(provider, Children([ours]))
    theirs = OutboxMessage.objects.create(
        kind="email", key="theirs", payload={"to": ["a@example.vn"], "n": 1}
    )
    fields = ["kind", "payload", "state", "attempts", "max_attempts", "lease_until"]
    read = OutboxMessage.objects.values(*fields)
    assert read.get(pk=ours.pk) == read.get(pk=theirs.pk)
    assert read.get(pk=ours.pk)["state"] == OutboxState.PENDING


@pytest.mark.django_db(transaction=True)
def test_nothing_is_written_when_a_row_fails():
    OutboxMessage.objects.create(kind="email", key="taken", payload={})
    provider, contracts, entry, message = _provider_with_rows(code="TEST-ATOMIC", key="taken")
    with pytest.raises(IntegrityError):
        rows_insert_linked(provider, *_children(contracts, entry, message))
    assert not Provider.objects.filter(code="TEST-ATOMIC").exists()
    assert not Contract.objects.filter(number="HĐ-0").exists()
    assert not AuditEntry.objects.filter(action="test.linked").exists()


def test_an_unknown_link_is_refused_before_any_write():
    provider, contracts, _entry, _message = _provider_with_rows()
    with pytest.raises(FieldDoesNotExist):
        rows_insert_linked(provider, Children(contracts, link="no_such_field"))
    assert provider.pk is None and not Provider.objects.filter(code="TEST-LINK").exists()


def test_a_row_goes_in_once_and_says_so():
    from core.db import row_insert_if_absent

    first = OutboxMessage(kind="email", key="once", payload={"to": ["a@example.vn"]})
    assert row_insert_if_absent(first, ("key",)) is True
    assert OutboxMessage.objects.get(pk=first.pk).payload == {"to": ["a@example.vn"]}
    again = OutboxMessage(kind="email", key="once", payload={"to": ["b@example.vn"]})
    assert row_insert_if_absent(again, ("key",)) is False
    assert again.pk is None
    assert list(OutboxMessage.objects.values_list("payload", flat=True)) == [
        {"to": ["a@example.vn"]}
    ]


def test_the_written_out_reads_build_instances_as_the_orm_loads_them():
    from django.forms.models import model_to_dict

    from core.db import instances_fetch, select_columns

    if connection.vendor != "postgresql":
        with pytest.raises(NotImplementedError):
            instances_fetch("SELECT 1", [], (Provider,))
        return
    provider, contracts, entry, message = _provider_with_rows()
    rows_insert_linked(provider, Children(contracts[:1], link="provider"))
    bare = Provider.objects.create(code="TEST-BARE", name="Không hợp đồng")
    rows = instances_fetch(
        f"SELECT {select_columns(Provider, 'p')}, {select_columns(Contract, 'c')}, 7 "  # noqa: S608
        "FROM ivan_provider p LEFT JOIN ivan_contract c ON c.provider_id = p.id "
        "WHERE p.code LIKE %s ORDER BY p.code",
        ["TEST-%"],
        (Provider, Contract),
    )
    assert [(model_to_dict(p), c and model_to_dict(c), n) for p, c, n in rows] == [
        (model_to_dict(bare), None, 7),
        (model_to_dict(provider), model_to_dict(Contract.objects.get(provider=provider)), 7),
    ]
    assert not rows[0][0]._state.adding and rows[0][0]._state.db == "default"


def test_a_row_is_updated_as_save_would_write_it():
    from core.db import row_update

    message = OutboxMessage.objects.create(kind="email", key="upd", payload={"n": 1})
    other = OutboxMessage.objects.create(kind="email", key="other", payload={"n": 1})
    message.payload, message.kind = {"n": 2, "ý": "đ"}, "changed-in-memory-only"
    assert row_update(message, ("payload",)) == 1
    stored = OutboxMessage.objects.get(pk=message.pk)
    assert (stored.payload, stored.kind) == ({"n": 2, "ý": "đ"}, "email")
    assert OutboxMessage.objects.get(pk=other.pk).payload == {"n": 1}
    message.pk = other.pk + 1000
    assert row_update(message, ("payload",)) == 0


@pytest.mark.parametrize("count", [3, 250])  # an INSERT … unnest, then COPY (COPY_FROM)
def test_rows_from_dicts_are_written_as_the_orm_writes_them(count):
    from decimal import Decimal

    from core.db import COPY_FROM, rows_insert_columns
    from declarations.people.models import EmploymentSpell, Person
    from tests.factories import EmployerFactory

    assert (count >= COPY_FROM) == (count == 250)
    employer = EmployerFactory()
    keys = rows_insert_columns(Person, [{"number": f"79{i:08d}"} for i in range(count)])
    people = Person.objects.in_bulk(keys)
    assert [people[k].number for k in keys] == [f"79{i:08d}" for i in range(count)]
    assert all(people[k].created_at is not None for k in keys)  # a callable default
    rows = [
        {
            "person_id": key,
            "employer_id": employer.pk,
            "status": "contributing",
            "from_month": date(2026, 1 + i % 12, 1),
            "to_month": None if i % 2 else date(2026, 12, 1),
            "job": f"Công nhân {i}",
            "salary": 6_000_000 + i,
            "allowances": {"PhuCapCV": i} if i % 3 else {},
            "rate": Decimal("32.00"),
            "opened_plan": "TM",
        }
        for i, key in enumerate(keys)
    ]
    spell_keys = rows_insert_columns(EmploymentSpell, rows)
    stored = EmploymentSpell.objects.in_bulk(spell_keys)
    for key, row in zip(spell_keys, rows, strict=True):
        spell = stored[key]
        for name, value in row.items():
            assert getattr(spell, name) == value, (name, key)
        assert spell.closed_plan == "" and spell.coefficient is None  # the fields' defaults
    # No keys wanted: none drawn, the rows written all the same.
    assert rows_insert_columns(EmploymentSpell, rows, keys=False) == []
    assert EmploymentSpell.objects.filter(person_id__in=keys).count() == 2 * count
    # The sequence moved past the keys COPY drew: the ORM's next row does not collide.
    assert Person.objects.create(number="7999999999").pk > max(keys)


@pytest.mark.parametrize("count", [3, 1500])
def test_any_of_finds_what_in_finds_with_one_parameter(count):
    providers = [Provider(code=f"ANY-{i:04d}", name="Nhà cung cấp") for i in range(count)]
    Provider.objects.bulk_create(providers)
    wanted = [f"ANY-{i:04d}" for i in range(0, count, 2)] + ["ANY-NONE"]
    found = Provider.objects.filter(code__any_of=wanted).order_by("code")
    assert list(found) == list(Provider.objects.filter(code__in=wanted).order_by("code"))
    # A foreign key takes the lookup too.
    contract = Contract.objects.create(
        provider=found[0], number="HĐ-ANY", valid_from=date(2026, 1, 1)
    )
    by_key = Contract.objects.filter(provider_id__any_of=[p.pk for p in found])
    assert list(by_key) == [contract]
    sql, params = found.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and len(params) == 1 and params[0] == wanted
    else:
        assert " IN (" in sql and len(params) == len(wanted)
    assert not Provider.objects.filter(code__any_of=[]).exists()
