"""Reads of the effective-dated money tables (bảng tỷ lệ, lương cơ sở, lương tối thiểu vùng)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection


@dataclass
class MoneyTables:
    """A snapshot of the three tables, read once per dossier and looked up in memory."""

    rates: list[tuple[date, str, str, Decimal]]
    base: list[tuple[date, int]]
    minimum: list[tuple[date, str, int]]

    @classmethod
    def load(cls) -> MoneyTables:
        """All three tables in one round trip to the database."""
        sql = (
            "SELECT 'r', valid_from, fund, party, percent, 0 FROM declarations_contributionrate "
            "UNION ALL SELECT 'b', valid_from, '', '', 0, amount FROM declarations_basesalary "
            "UNION ALL SELECT 'm', valid_from, zone, '', 0, amount "
            "FROM declarations_regionalminimumwage"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = cursor.fetchall()
        return cls(
            rates=[(r[1], r[2], r[3], Decimal(r[4])) for r in rows if r[0] == "r"],
            base=sorted((r[1], int(r[5])) for r in rows if r[0] == "b"),
            minimum=sorted((r[1], r[2], int(r[5])) for r in rows if r[0] == "m"),
        )

    def __post_init__(self):
        self._memo: dict = {}

    def _cached(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def base_salary(self, on: date) -> int | None:
        return self._cached(("base", on), lambda: self._base_salary(on))

    def minimum_wage(self, zone: str, on: date) -> int | None:
        return self._cached(("min", zone, on), lambda: self._minimum_wage(zone, on))

    def total_rate(self, on: date) -> Decimal | None:
        return self._cached(("rate", on), lambda: self._total_rate(on))

    def _base_salary(self, on: date) -> int | None:
        found = None
        for valid_from, amount in self.base:
            if valid_from <= on:
                found = amount
        return found

    def _minimum_wage(self, zone: str, on: date) -> int | None:
        found = None
        for valid_from, z, amount in self.minimum:
            if z == zone and valid_from <= on:
                found = amount
        return found

    def _total_rate(self, on: date) -> Decimal | None:
        """Sum of every fund's rate for both parties in force on ``on`` (32 % since 2016)."""
        latest: dict[tuple[str, str], tuple[date, Decimal]] = {}
        for valid_from, fund, party, percent in self.rates:
            if valid_from <= on and (
                (fund, party) not in latest or latest[(fund, party)][0] < valid_from
            ):
                latest[(fund, party)] = (valid_from, percent)
        if not latest:
            return None
        return sum((p for _, p in latest.values()), Decimal(0))
