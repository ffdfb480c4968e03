"""Authentication backend whose group permissions come from the user's active memberships,
so a role ends the day its membership ends (a transfer or a leave) without touching groups."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils import timezone


class MembershipBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        day = timezone.localdate()
        return Permission.objects.filter(
            Q(group__role__memberships__user=user_obj),
            Q(group__role__memberships__valid_from__lte=day),
            Q(group__role__memberships__valid_to__isnull=True)
            | Q(group__role__memberships__valid_to__gte=day),
        )
