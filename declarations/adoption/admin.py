"""Admin of assignments, targets and release deployments."""

from django.contrib import admin

from accounts import audit
from core.admin import ReadOnlyAdmin
from declarations.adoption.models import (
    AdoptionTarget,
    EmployerAssignment,
    PortalRelease,
    ReleaseDeployment,
    ReleaseResult,
)


@admin.register(EmployerAssignment)
class EmployerAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["employer", "officer", "assigned_on"]
    autocomplete_fields = ["employer", "officer"]
    search_fields = ["employer__unit_code", "officer__username"]


@admin.register(AdoptionTarget)
class AdoptionTargetAdmin(ReadOnlyAdmin):
    list_display = ["office", "officer", "share", "due_on"]
    autocomplete_fields = ["office", "officer"]
    list_filter = ["due_on"]


class ReleaseDeploymentInline(admin.TabularInline):
    """Deployments are recorded (and audited) on the release deployment page."""

    model = ReleaseDeployment
    extra = 0
    readonly_fields = ["province", "deployed_on", "recorded_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReleaseResultInline(admin.TabularInline):
    """Results are reported (and audited) by the provinces on the results page."""

    model = ReleaseResult
    extra = 0
    fields = readonly_fields = ["province", "outcome", "submitted_at", "submitted_by", "revised_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PortalRelease)
class PortalReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "released_on", "deploy_by", "report_by"]
    inlines = [ReleaseDeploymentInline, ReleaseResultInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            "release.changed" if change else "release.added",
            obj,
            None,
            {
                "version": obj.version,
                "released_on": obj.released_on,
                "deploy_by": obj.deploy_by,
                "report_by": obj.report_by,
            },
        )
