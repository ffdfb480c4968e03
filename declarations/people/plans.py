"""The plan codes (mã phương án) of a D02-LT row and what each does to a person's record.

Data, not branches: intake checks a row's code against the procedure's list, and acceptance
applies the code's ``effect`` to the person's employment spells and health-insurance card.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Effect(StrEnum):
    OPEN = "open"  # a new spell with this unit (first or transferred in)
    RESUME = "resume"  # back at work after a pause: the paused spell ends, a contributing one opens
    CHANGE = "change"  # new terms (salary, job, rate, funds) from the month: close and reopen
    PAUSE = (
        "pause"  # maternity, sickness or unpaid leave: the contributing spell ends, a pause opens
    )
    CLOSE = "close"  # leaves the unit
    ADJUST = "adjust"  # an amount for past months, the spell's terms unchanged


class SpellStatus(StrEnum):
    CONTRIBUTING = "contributing"
    MATERNITY = "maternity"
    SICK = "sick"
    UNPAID = "unpaid"


SPELL_STATUS_LABELS = {
    SpellStatus.CONTRIBUTING: _("Contributing"),
    SpellStatus.MATERNITY: _("Maternity leave"),
    SpellStatus.SICK: _("Long sickness"),
    SpellStatus.UNPAID: _("Unpaid leave"),
}


@dataclass(frozen=True)
class PlanCode:
    code: str
    direction: str  # "increase" or "decrease"
    name_vi: str
    name_en: str
    effect: Effect
    pause: SpellStatus | None = None
    # While paused for maternity or long sickness the social-insurance fund pays the health
    # insurance, so the card stays valid; unpaid leave stops it.
    card_continues: bool = True
    needs_number: bool = True  # False only for a first increase, where TK1-TS can stand in

    def name(self, language: str = "vi") -> str:
        return self.name_en if language.startswith("en") else self.name_vi


PLAN_CODES: dict[tuple[str, str], PlanCode] = {}


def _add(*codes: PlanCode) -> None:
    for code in codes:
        PLAN_CODES[(code.direction, code.code)] = code


_add(
    PlanCode("TM", "increase", "Tăng mới", "New", Effect.OPEN, needs_number=False),
    PlanCode(
        "TC", "increase", "Tăng do chuyển từ tỉnh khác đến", "From another province", Effect.OPEN
    ),
    PlanCode(
        "TD", "increase", "Tăng do chuyển từ đơn vị khác đến", "From another unit", Effect.OPEN
    ),
    PlanCode(
        "ON",
        "increase",
        "Đi làm lại sau nghỉ thai sản, ốm đau hoặc không lương",
        "Back from maternity, sickness or unpaid leave",
        Effect.RESUME,
    ),
    PlanCode(
        "AD", "increase", "Bổ sung tăng nguyên lương", "Back-pay at full salary", Effect.ADJUST
    ),
    PlanCode("DC", "increase", "Điều chỉnh tăng mức lương", "Salary raise", Effect.CHANGE),
    PlanCode(
        "TT", "increase", "Bổ sung tăng số phải thu BHYT", "Health insurance due, up", Effect.ADJUST
    ),
    PlanCode("TN", "increase", "Tăng tham gia BHTN", "Joins unemployment insurance", Effect.CHANGE),
    PlanCode("CD", "increase", "Điều chỉnh chức danh", "Job title change", Effect.CHANGE),
    PlanCode("GH", "decrease", "Giảm hẳn", "Leaves for good", Effect.CLOSE, card_continues=False),
    PlanCode(
        "GC",
        "decrease",
        "Giảm do chuyển đơn vị khác tỉnh",
        "To a unit in another province",
        Effect.CLOSE,
        card_continues=False,
    ),
    PlanCode(
        "GD",
        "decrease",
        "Giảm do chuyển đơn vị trong tỉnh",
        "To another unit in the province",
        Effect.CLOSE,
        card_continues=False,
    ),
    PlanCode("DC", "decrease", "Điều chỉnh giảm mức lương", "Salary cut", Effect.CHANGE),
    PlanCode(
        "KL",
        "decrease",
        "Nghỉ không lương",
        "Unpaid leave",
        Effect.PAUSE,
        pause=SpellStatus.UNPAID,
        card_continues=False,
    ),
    PlanCode(
        "TS",
        "decrease",
        "Nghỉ thai sản",
        "Maternity leave",
        Effect.PAUSE,
        pause=SpellStatus.MATERNITY,
    ),
    PlanCode(
        "OF", "decrease", "Nghỉ ốm dài ngày", "Long sickness", Effect.PAUSE, pause=SpellStatus.SICK
    ),
    PlanCode(
        "SB", "decrease", "Bổ sung giảm nguyên lương", "Full salary, reduced back", Effect.ADJUST
    ),
    PlanCode(
        "TU",
        "decrease",
        "Bổ sung giảm số phải thu BHYT",
        "Health insurance due, down",
        Effect.ADJUST,
    ),
    PlanCode(
        "GN",
        "decrease",
        "Bổ sung giảm số phải thu BHTN",
        "Unemployment insurance due, down",
        Effect.ADJUST,
    ),
)

INCREASE = frozenset(code for direction, code in PLAN_CODES if direction == "increase")
DECREASE = frozenset(code for direction, code in PLAN_CODES if direction == "decrease")


def plan_code(code: str, *, decrease_first: bool = False) -> PlanCode | None:
    """The plan code ``code``. DC is both a raise and a cut (same effect, new terms); a 600a
    reads it as a decrease."""
    order = ("decrease", "increase") if decrease_first else ("increase", "decrease")
    for direction in order:
        found = PLAN_CODES.get((direction, (code or "").strip().upper()))
        if found:
            return found
    return None
