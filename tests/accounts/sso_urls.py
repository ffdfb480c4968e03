"""The portal's URLs with the SSO routes, as ``OIDC_ENABLED`` adds them at start-up."""

from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *portal_urlpatterns]
