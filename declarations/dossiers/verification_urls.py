"""The public verification page (namespace ``verification``), mounted at /xac-thuc/."""

from django.urls import path

from declarations.dossiers import verification_views as views

app_name = "verification"

urlpatterns = [
    path("", views.verify_form, name="form"),
    path("<str:code>/", views.verify_code_page, name="code"),
]
