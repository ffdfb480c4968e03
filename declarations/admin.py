from django.contrib import admin

from .models import Employer, EmployerMember


class EmployerMemberInline(admin.TabularInline):
    model = EmployerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["unit_code", "name", "tax_code", "managing_office", "wage_zone"]
    search_fields = ["unit_code", "name", "tax_code"]
    list_filter = ["wage_zone"]
    autocomplete_fields = ["managing_office"]
    inlines = [EmployerMemberInline]
