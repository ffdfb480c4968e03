from django.urls import path

from . import views

app_name = "declarations"

urlpatterns = [
    path("", views.history, name="history"),
    path("tiep-nhan/", views.history, name="received"),
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/duyet/", views.registrations, name="registrations"),
    path("dang-ky/<int:pk>/quyet-dinh/", views.registration_decide, name="registration_decide"),
    path("don-vi/<int:pk>/ma-thu-nghiem/", views.trial_issue, name="trial_issue"),
    path("nop/", views.upload, name="upload"),
    path("lap/", views.compose, name="compose"),
    path("lap/kiem-tra/", views.compose_check, name="compose_check"),
    path("chung-thu/", views.certificate_renew, name="certificates"),
    path("ho-so/<int:pk>/", views.dossier_detail, name="dossier"),
    path("ho-so/<int:pk>/da-nhan-giay/", views.paper_set_received, name="paper_set"),
    path("thong-bao/<int:pk>/", views.notice_view, name="notice"),
    path("thong-bao/<int:pk>/pdf/", views.notice_download, name="notice_pdf"),
    path("su-co/", views.incidents, name="incidents"),
    path("ho-so-giay/", views.paper_dossier, name="paper_dossier"),
]
