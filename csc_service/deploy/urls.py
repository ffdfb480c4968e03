"""The signing service alone: its routes at the root (``/v2/info``, ``/oauth2/token``…)."""

from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

urlpatterns = [path("", include("csc_service.urls")), *staticfiles_urlpatterns()]
