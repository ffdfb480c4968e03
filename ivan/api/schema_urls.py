"""The URL configuration the OpenAPI document is generated from: the API alone."""

from django.urls import include, path

urlpatterns = [path("api/ivan/v1/", include(("ivan.api.routes", "ivan_api")))]
