"""Admin of the money tables (rates, base salary, regional minimum wage)."""

from django.contrib import admin

from declarations.intake.models import BaseSalary, ContributionRate, RegionalMinimumWage


@admin.register(ContributionRate)
class ContributionRateAdmin(admin.ModelAdmin):
    list_display = ["fund", "party", "percent", "valid_from"]


@admin.register(BaseSalary)
class BaseSalaryAdmin(admin.ModelAdmin):
    list_display = ["amount", "valid_from"]


@admin.register(RegionalMinimumWage)
class RegionalMinimumWageAdmin(admin.ModelAdmin):
    list_display = ["zone", "amount", "valid_from"]
    list_filter = ["zone"]
