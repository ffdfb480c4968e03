"""The I-VAN API's own routes (what the OpenAPI document describes)."""

from django.urls import path
from oauth2_provider.views import TokenView
from rest_framework.routers import SimpleRouter

from ivan.api import dossiers, views

router = SimpleRouter(trailing_slash=False)
router.register("employers", views.EmployerViewSet, basename="employer")
router.register("dossiers", dossiers.DossierViewSet, basename="dossier")

urlpatterns = [
    path("oauth/token", TokenView.as_view(), name="token"),
    path("me", views.MeView.as_view(), name="me"),
    path("webhook", views.WebhookView.as_view(), name="webhook"),
    path("stats", views.StatsView.as_view(), name="stats"),
    path("notices", dossiers.NoticeView.as_view(), name="notices"),
    *router.urls,
]
