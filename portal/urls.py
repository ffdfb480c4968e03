from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ivan import views as ivan_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("tai-khoan/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("van-hanh/hop-thu-di/", include("core.outbox.urls")),
    path("giao-dich/", include("declarations.urls")),
    path("quan-tri/", admin.site.urls),
    path("nha-cung-cap-ivan/", ivan_views.provider_list, name="ivan_providers"),
    path("nha-cung-cap-ivan/ung-dung-api/", include("ivan.urls")),
    path("", include("ivan.api.urls")),
    path("quan-ly/", include("declarations.urls_district")),
    path("chot-so/", include("closure_sync.urls")),
    path("central/", include("central.urls")),
    # Public, no login: anyone checks a document the agency issued (docs/verification.md).
    path("xac-thuc/", include("declarations.dossiers.verification_urls")),
]

admin.site.site_header = "Cổng giao dịch điện tử BHXH — Quản trị"
admin.site.site_title = "Quản trị BHXH"

if apps.is_installed("csc_service"):
    # A CA's remote-signing service (CSC API) for the tests and the demo (dev and test
    # settings only); the portal reaches it over HTTP like any CA's (README "Ký số từ xa").
    urlpatterns.append(path("csc/", include("csc_service.urls")))

if settings.OIDC_ENABLED:  # SSO with official e-mail accounts (accounts.sso)
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

# No MEDIA_URL route, in any settings: uploaded files (difficulty attachments, data-request
# letters and exports) are served only by their scoped, audited views.
