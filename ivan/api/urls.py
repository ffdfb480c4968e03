"""/api/ivan/v1/: the API, its OpenAPI document and a Swagger UI page."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ivan.api import views

PREFIX = "api/ivan/v1/"

urlpatterns = [
    path(PREFIX, include(("ivan.api.routes", "ivan_api"))),
    path(
        f"{PREFIX}openapi.json",
        SpectacularAPIView.as_view(urlconf="ivan.api.schema_urls"),
        name="ivan_openapi",
    ),
    # Swagger UI: its start-up script is a separate request (?script), so scripts stay
    # 'self' only; the page's own <style> block and Swagger UI's styles need inline styles.
    path(
        f"{PREFIX}docs",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="ivan_openapi")
        ),
        name="ivan_docs",
    ),
    re_path(rf"^{PREFIX}", views.not_found),
]
