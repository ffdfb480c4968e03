"""The I-VAN API's own routes (what the OpenAPI document describes)."""

from django.urls import path, re_path
from oauth2_provider.views import TokenView
from rest_framework.routers import SimpleRouter

from ivan.api import dossiers, people, views

router = SimpleRouter(trailing_slash=False)
router.register("employers", views.EmployerViewSet, basename="employer")
router.register("dossiers", dossiers.DossierViewSet, basename="dossier")

urlpatterns = [
    path("oauth/token", TokenView.as_view(), name="token"),
    path("me", views.MeView.as_view(), name="me"),
    path("webhook", views.WebhookView.as_view(), name="webhook"),
    path("stats", views.StatsView.as_view(), name="stats"),
    path("notices", dossiers.NoticeView.as_view(), name="notices"),
    re_path(
        r"^units/(?P<unit_code>[A-Za-z0-9]{1,12})/workforce$",
        people.WorkforceView.as_view(),
        name="unit_workforce",
    ),
    re_path(
        r"^units/(?P<unit_code>[A-Za-z0-9]{1,12})/cards$",
        people.CardsView.as_view(),
        name="unit_cards",
    ),
    *router.urls,
]
