from django.contrib import admin

from core.admin import ReadOnlyAdmin
from declarations.people.models import EmploymentSpell, HealthCard, InsuranceBook, Person


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("number", "created_at")
    search_fields = ("number",)


@admin.register(EmploymentSpell)
class SpellAdmin(ReadOnlyAdmin):
    list_display = ("person", "employer", "status", "from_month", "to_month", "opened_plan")
    raw_id_fields = ("person", "employer", "opened_by", "closed_by")


@admin.register(InsuranceBook)
class BookAdmin(ReadOnlyAdmin):
    list_display = ("person", "employer", "issued_at")


@admin.register(HealthCard)
class CardAdmin(ReadOnlyAdmin):
    list_display = ("number", "employer", "valid_from", "valid_to", "status")
    list_filter = ("status",)
    search_fields = ("number",)
