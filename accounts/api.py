"""Accounts API (DRF): staff accounts of the caller's province; outside accounts refused."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.refusals import Refused

from . import lifecycle, provisioning, scope
from .models import AccountKind, BusinessApplication, Office, Role, User

MANAGE_STAFF = "accounts.manage_staff"


class AccountSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(
        slug_field="code", queryset=Office.objects.all(), write_only=True
    )
    role = serializers.SlugRelatedField(
        slug_field="code", queryset=Role.objects.all(), write_only=True, required=False
    )
    applications = serializers.SlugRelatedField(
        slug_field="code",
        queryset=BusinessApplication.objects.all(),
        many=True,
        write_only=True,
        required=False,
    )
    account_kind = serializers.ChoiceField(choices=AccountKind.choices, default=AccountKind.STAFF)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "email",
            "account_kind",
            "is_active",
            "last_login",
            "office",
            "role",
            "applications",
        ]
        read_only_fields = ["id", "is_active", "last_login"]
        extra_kwargs = {"username": {"validators": []}}


class AccountViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """List the accounts of the caller's province; create agency staff accounts."""

    serializer_class = AccountSerializer

    def get_queryset(self):
        if not self.request.user.has_perm(MANAGE_STAFF):
            raise PermissionDenied({"code": "ACC-API-PERMISSION"})
        return lifecycle.users_in_scope(self.request.user).order_by("username")

    @extend_schema(summary="Accounts of the caller's province")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Create an agency staff account (outside accounts are refused)")
    def create(self, request, *args, **kwargs):
        self.get_queryset()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not scope.may(request.user, MANAGE_STAFF, data["office"]):
            raise PermissionDenied({"code": "ACC-CREATE-SCOPE"})
        try:
            user = provisioning.account_create(
                actor=request.user,
                username=data["username"],
                full_name=data.get("full_name", ""),
                email=data.get("email", ""),
                office=data["office"],
                role=data.get("role"),
                applications=data.get("applications", []),
                account_kind=data["account_kind"],
            )
        except (ValidationError, Refused) as exc:
            if isinstance(exc, Refused):
                exc = exc.validation_error()
            error = exc.error_list[0]
            return Response(
                {"code": error.code, "detail": str(error.message)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(self.get_serializer(user).data, status=status.HTTP_201_CREATED)
