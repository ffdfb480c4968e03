"""Adoption figures (tỷ lệ đơn vị giao dịch điện tử) at office, province and national level.

An employer transacts electronically on day D when ``e_registered_on <= D`` and it had not
stopped by then (``e_stopped_on`` empty or after D). Every figure here is computed with a
fixed number of queries, whatever the number of employers: the time series of every unit
on the page comes from one grouped aggregate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Membership, Office, OfficeLevel
from declarations.adoption.models import (
    AdoptionSnapshot,
    AdoptionSnapshotRun,
    AdoptionTarget,
    EmployerAssignment,
    PortalRelease,
)
from declarations.employers.models import Employer


def electronic_on(day: date, prefix: str = "") -> Q:
    """Employers transacting electronically on ``day`` (optionally through a relation)."""
    return Q(**{f"{prefix}e_registered_on__lte": day}) & (
        Q(**{f"{prefix}e_stopped_on__isnull": True}) | Q(**{f"{prefix}e_stopped_on__gt": day})
    )


def not_electronic_on(day: date, prefix: str = "") -> Q:
    return ~electronic_on(day, prefix) | Q(**{f"{prefix}e_registered_on__isnull": True})


def rate(electronic: int, total: int) -> Decimal | None:
    """Share in percent, one decimal; None when there is no employer."""
    if not total:
        return None
    return (Decimal(electronic) * 100 / Decimal(total)).quantize(Decimal("0.1"))


def month_starts(*, until: date, months: int) -> list[date]:
    """The first day of each of the ``months`` months up to ``until``, then ``until``."""
    points = []
    year, month = until.year, until.month
    for _ in range(months):
        points.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    points.reverse()
    if points[-1] != until:
        points.append(until)
    return points


class OfficeIndex:
    """Every office, loaded once, to roll figures up: old district → today's office →
    province → central."""

    def __init__(self, offices: list[Office], on: date):
        self.on = on
        self.by_id = {o.pk: o for o in offices}

    @classmethod
    def load(cls, on: date | None = None) -> OfficeIndex:
        return cls(list(Office.objects.all()), on or timezone.localdate())

    def current(self, office_id: int) -> Office:
        """The office in charge today of what ``office_id`` managed (successor chain)."""
        office = self.by_id[office_id]
        seen = set()
        while not office.is_valid_on(self.on) and office.successor_id and office.pk not in seen:
            seen.add(office.pk)
            office = self.by_id[office.successor_id]
        return office

    def chain(self, office_id: int) -> list[Office]:
        """The office in charge today and every office above it."""
        node, out = self.current(office_id), []
        while node is not None and node not in out:
            out.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id else None
        return out

    def unit_under(self, office_id: int, top: Office) -> Office | None:
        """The office directly under ``top`` that ``office_id`` rolls up to (``top`` itself
        for a local office), or None when it is outside ``top``."""
        chain = self.chain(office_id)
        if top not in chain:
            return None
        i = chain.index(top)
        return chain[i - 1] if i > 0 else top

    def children(self, top: Office) -> list[Office]:
        """Offices in force today directly under ``top``."""
        return sorted(
            (o for o in self.by_id.values() if o.parent_id == top.pk and o.is_valid_on(self.on)),
            key=lambda o: o.code,
        )

    def ids_within(self, top: Office) -> set[int]:
        """Ids of every office (current or former) that rolls up to ``top``."""
        return {pk for pk in self.by_id if top in self.chain(pk)}


@dataclass
class Row:
    """One line of a leaderboard: an office (or an officer) and its figures."""

    key: int
    label: str
    code: str = ""
    total: int = 0
    electronic: int = 0
    target: AdoptionTarget | None = None

    @property
    def rate(self) -> Decimal | None:
        return rate(self.electronic, self.total)

    @property
    def gap(self) -> Decimal | None:
        """Percentage points still missing to reach the target (0 when reached)."""
        if self.target is None or self.rate is None:
            return None
        return max(Decimal(0), self.target.share - self.rate).quantize(Decimal("0.1"))

    @property
    def unregistered_count(self) -> int:
        return self.total - self.electronic


@dataclass
class Dashboard:
    office: Office
    level: str
    on: date
    points: list[date]
    series: list[tuple[date, int, int]]  # (day, electronic, total)
    target: AdoptionTarget | None
    targets: list[AdoptionTarget]
    rows: list[Row]
    officers: list[Row]
    as_of: object = None  # when the snapshot read was taken (None: computed live)

    @property
    def total(self) -> int:
        return self.series[-1][2] if self.series else 0

    @property
    def electronic(self) -> int:
        return self.series[-1][1] if self.series else 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.electronic, self.total)

    @property
    def gap(self) -> Decimal | None:
        if self.target is None or self.rate is None:
            return None
        return max(Decimal(0), self.target.share - self.rate).quantize(Decimal("0.1"))

    @property
    def rates(self) -> list[tuple[date, Decimal | None]]:
        return [(day, rate(e, t)) for day, e, t in self.series]


def adoption_counts(*, office_ids: set[int] | None, days: list[date]) -> dict[int, list]:
    """``{managing office id: [(electronic on day, total) for day in days]}`` in one query."""
    qs = Employer.objects.all()
    if office_ids is not None:
        qs = qs.filter(managing_office_id__in=office_ids)
    annotations = {f"e{i}": Count("pk", filter=electronic_on(d)) for i, d in enumerate(days)}
    out = {}
    for row in (
        qs.order_by().values("managing_office_id").annotate(total=Count("pk"), **annotations)
    ):
        out[row["managing_office_id"]] = [(row[f"e{i}"], row["total"]) for i in range(len(days))]
    return out


def adoption_counts_snapshotted(
    *, office_ids: set[int] | None, days: list[date]
) -> tuple[dict[int, list], object]:
    """Like :func:`adoption_counts`, read from the snapshots where a run covers the day
    and computed live only for the days without one. Returns the counts and when the
    latest snapshot used was taken (None when everything was live)."""
    runs = dict(AdoptionSnapshotRun.objects.filter(day__in=days).values_list("day", "taken_at"))
    missing = [d for d in days if d not in runs]
    position = {d: i for i, d in enumerate(days)}
    out: dict[int, list] = defaultdict(lambda: [(0, 0)] * len(days))
    if runs:
        rows = AdoptionSnapshot.objects.filter(day__in=list(runs), officer__isnull=True)
        if office_ids is not None:
            rows = rows.filter(office_id__in=office_ids)
        for office_id, day, electronic, total in rows.values_list(
            "office_id", "day", "electronic", "total"
        ):
            out[office_id] = list(out[office_id])
            out[office_id][position[day]] = (electronic, total)
    if missing:
        for office_id, per_day in adoption_counts(office_ids=office_ids, days=missing).items():
            out[office_id] = list(out[office_id])
            for day, value in zip(missing, per_day, strict=True):
                out[office_id][position[day]] = value
    return dict(out), max(runs.values()) if runs else None


def pick_target(targets: list[AdoptionTarget], on: date) -> AdoptionTarget | None:
    """The target in force: the next one falling due, else the last one that fell due."""
    upcoming = sorted((t for t in targets if t.due_on >= on), key=lambda t: t.due_on)
    if upcoming:
        return upcoming[0]
    past = sorted(targets, key=lambda t: t.due_on)
    return past[-1] if past else None


def adoption_dashboard(*, office: Office, on: date | None = None, months: int = 12) -> Dashboard:
    """Figures for ``office`` and the units under it: provinces for the central office,
    local offices for a province, collection officers for a local office."""
    day = on or timezone.localdate()
    index = OfficeIndex.load(day)
    points = month_starts(until=day, months=months)
    within = index.ids_within(office)
    counts, as_of = adoption_counts_snapshotted(office_ids=within, days=points)

    series = [(p, 0, 0) for p in points]
    for per_day in counts.values():
        series = [(p, e + pe, t + pt) for (p, e, t), (pe, pt) in zip(series, per_day, strict=True)]

    level = office.level
    rows: dict[int, Row] = {}
    if level != OfficeLevel.LOCAL:
        for child in index.children(office):
            rows[child.pk] = Row(key=child.pk, label=child.name, code=child.code)
        for office_id, per_day in counts.items():
            unit = index.unit_under(office_id, office)
            if unit is None or unit.pk == office.pk:
                continue
            row = rows.setdefault(unit.pk, Row(key=unit.pk, label=unit.name, code=unit.code))
            row.electronic += per_day[-1][0]
            row.total += per_day[-1][1]

    targets = list(
        AdoptionTarget.objects.filter(
            Q(office=office) | Q(office_id__in=list(rows), officer__isnull=True)
        ).select_related("officer", "office")
    )
    own = [t for t in targets if t.office_id == office.pk and t.officer_id is None]
    by_office = defaultdict(list)
    for t in targets:
        if t.officer_id is None:
            by_office[t.office_id].append(t)
    for row in rows.values():
        row.target = pick_target(by_office[row.key], day)

    officers = (
        officer_rows(office_ids=within, office=office, on=day, targets=targets)
        if level == OfficeLevel.LOCAL
        else []
    )
    ranked = sorted(rows.values(), key=lambda r: (r.rate is None, -(r.rate or 0), r.code))
    return Dashboard(
        office=office,
        level=level,
        on=day,
        points=points,
        series=series,
        target=pick_target(own, day),
        targets=sorted(own, key=lambda t: t.due_on),
        rows=ranked,
        officers=officers,
        as_of=as_of,
    )


def officer_counts(*, office_ids: set[int] | None, on: date) -> dict[tuple[int, int], tuple]:
    """``{(officer id, managing office id): (electronic, total)}`` of assigned employers."""
    qs = EmployerAssignment.objects.all()
    if office_ids is not None:
        qs = qs.filter(employer__managing_office_id__in=office_ids)
    return {
        (row["officer_id"], row["employer__managing_office_id"]): (row["electronic"], row["total"])
        for row in qs.order_by()
        .values("officer_id", "employer__managing_office_id")
        .annotate(total=Count("pk"), electronic=Count("pk", filter=electronic_on(on, "employer__")))
    }


def officer_rows(*, office_ids: set[int], office: Office, on: date, targets) -> list[Row]:
    """Each collection officer of the office: assigned employers, how many transact
    electronically (from the day's snapshot when there is one) and the target."""
    rows: dict[int, Row] = {}
    for m in (
        Membership.objects.active(on)
        .filter(role_id="collection_officer", office_id__in=office_ids)
        .select_related("user")
    ):
        rows.setdefault(m.user_id, Row(key=m.user_id, label=str(m.user)))
    if AdoptionSnapshotRun.objects.filter(day=on).exists():
        source = AdoptionSnapshot.objects.filter(
            day=on, officer__isnull=False, office_id__in=office_ids
        ).values_list(
            "officer_id", "officer__full_name", "officer__username", "electronic", "total"
        )
    else:
        source = (
            EmployerAssignment.objects.filter(employer__managing_office_id__in=office_ids)
            .order_by()
            .values_list("officer_id", "officer__full_name", "officer__username")
            .annotate(
                electronic=Count("pk", filter=electronic_on(on, "employer__")), total=Count("pk")
            )
        )
    for officer_id, full_name, username, electronic, total in source:
        # an officer who left the office but still holds employers is listed too
        row = rows.setdefault(officer_id, Row(key=officer_id, label=full_name or username))
        row.electronic += electronic
        row.total += total
    per_officer = defaultdict(list)
    for t in targets:
        if t.officer_id and t.office_id == office.pk:
            per_officer[t.officer_id].append(t)
    for row in rows.values():
        row.target = pick_target(per_officer[row.key], on)
    return sorted(rows.values(), key=lambda r: (r.rate is None, -(r.rate or 0), r.label))


def officer_unregistered(*, officer_id: int, office: Office, on: date | None = None):
    """The officer's assigned employers under ``office`` not transacting electronically."""
    day = on or timezone.localdate()
    within = OfficeIndex.load(day).ids_within(office)
    return (
        Employer.objects.filter(assignment__officer_id=officer_id, managing_office_id__in=within)
        .filter(not_electronic_on(day))
        .order_by("unit_code")
    )


def unregistered_assigned(*, office: Office, on: date | None = None):
    """Every assigned employer under ``office`` not transacting electronically (export)."""
    day = on or timezone.localdate()
    within = OfficeIndex.load(day).ids_within(office)
    return (
        EmployerAssignment.objects.filter(employer__managing_office_id__in=within)
        .filter(not_electronic_on(day, "employer__"))
        .select_related("employer", "officer")
        .order_by("officer__username", "employer__unit_code")
    )


@dataclass
class ProvinceDeployment:
    province: Office
    deployed_on: date | None
    deadline: date

    @property
    def on_time(self) -> bool:
        return self.deployed_on is not None and self.deployed_on <= self.deadline


def current_release(on: date | None = None) -> PortalRelease | None:
    """The release provinces must deploy now: the latest one released by ``on``."""
    day = on or timezone.localdate()
    return PortalRelease.objects.filter(released_on__lte=day).order_by("-released_on").first()


def release_deployments(
    *, release: PortalRelease, office_ids: set[int] | None
) -> list[ProvinceDeployment]:
    """Every province in force on the release's deadline (those the user may see), with the
    day it deployed the release (None: not yet)."""
    provinces = Office.objects.filter(level=OfficeLevel.PROVINCE, valid_from__lte=release.deploy_by)
    provinces = provinces.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=release.deploy_by))
    if office_ids is not None:
        provinces = provinces.filter(pk__in=office_ids)
    done = dict(release.deployments.values_list("province_id", "deployed_on"))
    return [
        ProvinceDeployment(province=p, deployed_on=done.get(p.pk), deadline=release.deploy_by)
        for p in provinces.order_by("code")
    ]
