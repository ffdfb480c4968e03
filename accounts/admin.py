"""Admin pages for offices, users, memberships and the (read-only) audit log.

Membership edits go through the services so every role change is audited."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.refusals import Refused

from . import audit, services
from .models import (
    AccountKind,
    AccountReport,
    ApplicationConnector,
    ApplicationGrant,
    AuditEntry,
    BusinessApplication,
    ConnectorChange,
    DataRequest,
    Membership,
    Office,
    OutsideAccountRequest,
    PersonnelDecision,
    Role,
    User,
)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level", "valid_to"]
    search_fields = ["code", "name", "admin_code"]
    autocomplete_fields = ["parent", "successor"]
    date_hierarchy = "valid_from"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["office"]
    fields = ["role", "office", "valid_from", "valid_to"]

    def has_change_permission(self, request, obj=None):
        return False  # edit through the Membership page, whose saves are audited

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UserCreationForm(AdminUserCreationForm):
    """The admin's add form: the kind of account is asked, and an outside account is
    refused (only an approved request creates one)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "account_kind")

    def clean_account_kind(self):
        kind = self.cleaned_data["account_kind"]
        if kind == AccountKind.OUTSIDE:
            raise Refused("ACC-OUTSIDE-APPROVAL").validation_error()
        return kind


class UserEditForm(UserChangeForm):
    """The admin's change form: an outside account is refused on the form (made an
    administrator, say), not with an error page when it is saved."""

    class Meta(UserChangeForm.Meta):
        model = User

    def _post_clean(self):
        super()._post_clean()
        try:
            self.instance.outside_guard()
        except Refused as refusal:
            self.add_error(None, refusal.validation_error())


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    form = UserEditForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "account_kind", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ["username", "full_name", "email", "account_kind", "is_active", "last_login"]
    list_filter = ["account_kind", "is_active"]
    search_fields = ["username", "full_name", "email"]
    inlines = [MembershipInline]
    # Rights come from memberships only; groups and direct permissions are not edited here.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "email", "preferred_language")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (
            _("Kind and lock"),
            {
                "fields": (
                    "account_kind",
                    "outside_request",
                    "expires_on",
                    "locked_at",
                    "locked_reason",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = [
        "last_login",
        "date_joined",
        "account_kind",
        "outside_request",
        "expires_on",
        "locked_at",
        "locked_reason",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {f: form.cleaned_data.get(f) for f in form.changed_data if f != "password"}
        audit.record(
            request.user,
            "user.changed" if change else "user.created",
            obj,
            None,
            {"fields": changed},
        )


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "scope"]

    def has_change_permission(self, request, obj=None):
        return False  # roles ship as a fixture

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "office", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "office__code", "office__name"]
    autocomplete_fields = ["user", "office"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.membership_change(
                actor=request.user,
                membership=obj,
                role=data["role"],
                office=data["office"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        else:
            saved = services.membership_grant(
                actor=request.user,
                user=data["user"],
                role=data["role"],
                office=data["office"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.membership_delete(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_delete(actor=request.user, membership=membership)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "actor_repr", "action", "target_repr", "office"]
    list_filter = ["action"]
    search_fields = ["actor_repr", "action", "target_repr"]
    date_hierarchy = "at"


@admin.register(BusinessApplication)
class BusinessApplicationAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "internal", "position"]


@admin.register(ApplicationConnector)
class ApplicationConnectorAdmin(admin.ModelAdmin):
    """How an application is told of locks: its SCIM endpoint and token reference (the
    token itself stays in the environment), or its administrators for manual tasks."""

    list_display = ["application", "kind", "base_url", "token_ref", "enabled"]
    filter_horizontal = ["administrators"]


@admin.register(ConnectorChange)
class ConnectorChangeAdmin(ReadOnlyAdmin):
    list_display = ["application", "user", "operation", "effective_at", "state", "attempts"]
    list_filter = ["application", "state", "kind"]


@admin.register(ApplicationGrant)
class ApplicationGrantAdmin(ReadOnlyAdmin):
    list_display = ["user", "application", "office", "valid_from", "valid_to"]
    list_filter = ["application"]


@admin.register(PersonnelDecision)
class PersonnelDecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "user", "kind", "effective_on", "status"]
    list_filter = ["kind", "status"]


@admin.register(OutsideAccountRequest)
class OutsideAccountRequestAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "organisation", "application", "valid_until", "status"]
    list_filter = ["status"]


@admin.register(AccountReport)
class AccountReportAdmin(ReadOnlyAdmin):
    list_display = ["province", "year", "quarter", "submitted_at"]


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ["letter_number", "office", "status", "requested_at"]
    list_filter = ["status"]
