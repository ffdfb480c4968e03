"""The one answer to "which offices, employers and objects may this user see or act on".

Every list view and every object lookup goes through :func:`scoped` (or
:func:`offices_for` / :func:`may`). A model says how it reaches the asking user with an
inner ``Scope`` class of lookup paths::

    class Dossier(models.Model):
        class Scope:
            office = "employer__managing_office"       # office-based staff roles
            employer_user = "employer__members__user"  # employer users (own unit only)
            provider_user = "employer__provider__members__user"  # I-VAN client users

A role's reach (``Role.scope``) decides which path applies: national roles see everything,
provincial roles their province and the offices under it (including offices merged into
them), local roles their own office, employer and I-VAN users only what the path ties to
them. A model without a matching path is invisible to that role.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Membership, Office, RoleScope


def memberships_of(user, on=None) -> list[Membership]:
    """The user's memberships in force on ``on`` (today), cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    day = on or timezone.localdate()
    cache = user.__dict__.setdefault("_scope_memberships", {})
    if day not in cache:
        memberships = list(
            Membership.objects.active(day).filter(user=user).select_related("role", "office")
        )
        _permissions_attach(memberships)
        cache[day] = memberships
    return cache[day]


def _permissions_attach(memberships: list[Membership]) -> None:
    """Set ``permission_codes`` ("app_label.codename") on each membership, from its role's
    group, in one query for all of them."""
    codes: dict[int, set[str]] = {m.role.group_id: set() for m in memberships}
    if codes:
        rows = Group.permissions.through.objects.filter(group_id__in=codes).values_list(
            "group_id", "permission__content_type__app_label", "permission__codename"
        )
        for group_id, app_label, codename in rows:
            codes[group_id].add(f"{app_label}.{codename}")
    for m in memberships:
        m.permission_codes = frozenset(codes[m.role.group_id])


def _role_has(membership: Membership, permission: str | None) -> bool:
    if permission is None:
        return True
    if not hasattr(membership, "permission_codes"):  # not from memberships_of
        _permissions_attach([membership])
    return permission in membership.permission_codes


def _expand(office_ids: Iterable[int]) -> set[int]:
    """The offices themselves, every office under them, and every office merged into them."""
    seen = set(office_ids)
    frontier = set(seen)
    while frontier:
        nxt = (
            set(
                Office.objects.filter(
                    Q(parent_id__in=frontier) | Q(successor_id__in=frontier)
                ).values_list("id", flat=True)
            )
            - seen
        )
        seen |= nxt
        frontier = nxt
    return seen


def _with_predecessors(office_ids: Iterable[int]) -> set[int]:
    seen = set(office_ids)
    frontier = set(seen)
    while frontier:
        nxt = (
            set(Office.objects.filter(successor_id__in=frontier).values_list("id", flat=True))
            - seen
        )
        seen |= nxt
        frontier = nxt
    return seen


def roles_of(user, on=None) -> set[str]:
    """Codes of the roles the user holds today."""
    return {m.role_id for m in memberships_of(user, on)}


def is_national(user, permission: str | None = None, on=None) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(
        m.role.scope == RoleScope.NATIONAL and _role_has(m, permission)
        for m in memberships_of(user, on)
    )


def office_ids_for(user, *, permission: str | None = None, on=None) -> set[int] | None:
    """Ids of offices the user may see (or act on with ``permission``); None means all."""
    if is_national(user, permission, on):
        return None
    ids: set[int] = set()
    for m in memberships_of(user, on):
        if m.office_id is None or not _role_has(m, permission):
            continue
        if m.role.scope == RoleScope.OFFICE_TREE:
            ids |= _expand([m.office_id])
        elif m.role.scope == RoleScope.OFFICE:
            ids |= _with_predecessors([m.office_id])
    return ids


def offices_for(user, *, permission: str | None = None, on=None) -> QuerySet[Office]:
    """Offices the user may see, or act on when ``permission`` is given."""
    ids = office_ids_for(user, permission=permission, on=on)
    if ids is None:
        return Office.objects.all()
    return Office.objects.filter(id__in=ids)


def offices_in_force(user, *, permission: str | None = None, on=None) -> QuerySet[Office]:
    """The offices of :func:`offices_for` as they stand on ``on`` (today): what a form
    offers to choose. An office code renumbered or merged keeps its earlier versions
    (effective-dated rows, e.g. "01 – BHXH thành phố Hà Nội" before and after 07/2025);
    they stay in reach for reading history, never twice in a list."""
    day = on or timezone.localdate()
    return offices_for(user, permission=permission, on=on).filter(
        Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )


def may(user, permission: str, office: Office | None) -> bool:
    """May ``user`` exercise ``permission`` ("app_label.codename") at ``office``?"""
    ids = office_ids_for(user, permission=permission)
    if ids is None:
        return True
    return office is not None and office.pk in ids


def scoped(user, queryset: QuerySet, *, permission: str | None = None, on=None) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may see (or act on with ``permission``)."""
    spec = getattr(queryset.model, "Scope", None)
    if spec is None:
        raise TypeError(f"{queryset.model.__name__} declares no Scope; it cannot be listed")
    if is_national(user, permission, on):
        return queryset
    condition = Q(pk__in=[])
    through_people = False
    office_path = getattr(spec, "office", None)
    office_ids = office_ids_for(user, permission=permission, on=on)
    if office_path and office_ids:
        condition |= Q(**{f"{office_path}__in": office_ids})
    for m in memberships_of(user, on):
        if not _role_has(m, permission):
            continue
        path = None
        if m.role.scope == RoleScope.EMPLOYER:
            path = getattr(spec, "employer_user", None)
        elif m.role.scope == RoleScope.PROVIDER:
            path = getattr(spec, "provider_user", None)
        if path:
            condition |= Q(**{path: user})
            through_people = True
    narrowed = queryset.filter(condition)
    # A path through a many-valued relation (unit → its users) can repeat rows.
    return narrowed.distinct() if through_people else narrowed


def may_reach(user, obj, *, permission: str | None = None) -> bool:
    """Is ``obj`` among ``scoped(user, <its model>, permission=…)``? Remembered on the user
    object, which lives for one request, like its memberships."""
    memo = user.__dict__.setdefault("_scope_reach", {})
    key = _reach_key(obj, permission)
    if key not in memo:
        memo[key] = scoped(
            user, type(obj)._default_manager.filter(pk=obj.pk), permission=permission
        ).exists()
    return memo[key]


def reach_remember(user, obj, *, permission: str | None = None) -> None:
    """Record that ``obj`` was found through ``scoped(user, …, permission=…)``, so a later
    :func:`may_reach` for it asks nothing more."""
    if obj is not None and getattr(user, "is_authenticated", False):
        user.__dict__.setdefault("_scope_reach", {})[_reach_key(obj, permission)] = True


def _reach_key(obj, permission: str | None) -> tuple:
    return (obj._meta.label, obj.pk, permission)


def scoped_to_provider(provider_id: int, queryset: QuerySet) -> QuerySet:
    """``queryset`` narrowed to what an I-VAN provider's API client may see: the objects
    of the employers whose current channel is that provider (model ``Scope.provider``)."""
    path = getattr(getattr(queryset.model, "Scope", None), "provider", None)
    if path is None:
        raise TypeError(f"{queryset.model.__name__} declares no provider scope")
    return queryset.filter(**{path: provider_id})


def offices_under(office: Office) -> set[int]:
    """Ids of ``office``, every office under it and every office merged into them."""
    return _expand([office.pk])
