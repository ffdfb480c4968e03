from django.urls import path

from . import api, views

app_name = "central"

urlpatterns = [
    path("api/v1/closures/batch", api.closures_batch, name="api-batch"),
    path("api/v1/closures/search", api.closures_search, name="api-search"),
    path("api/v1/closures/fetch", api.closures_fetch, name="api-fetch"),
    path("api/v1/audit-checkpoints", api.audit_checkpoints, name="api-checkpoints"),
    path("khoa/", views.credentials_rotate, name="credentials"),
]
