"""/api/ivan/v1/: the API, its OpenAPI document and a Swagger UI page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

PREFIX = "api/ivan/v1/"

urlpatterns = [
    path(PREFIX, include(("ivan.api.routes", "ivan_api"))),
    path(
        f"{PREFIX}openapi.json",
        SpectacularAPIView.as_view(urlconf="ivan.api.schema_urls"),
        name="ivan_openapi",
    ),
    path(
        f"{PREFIX}docs", SpectacularSwaggerView.as_view(url_name="ivan_openapi"), name="ivan_docs"
    ),
    re_path(rf"^{PREFIX}", views.not_found),
]
