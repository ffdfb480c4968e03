"""Pages of registration, certificates, trial credentials and the unit's data (namespace
``declarations``)."""

from django.urls import path

from declarations.employers import views

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/duyet/", views.registrations, name="registrations"),
    path("dang-ky/<int:pk>/quyet-dinh/", views.registration_decide, name="registration_decide"),
    path("don-vi/<int:pk>/ma-thu-nghiem/", views.trial_issue, name="trial_issue"),
    path("chung-thu/", views.certificate_renew, name="certificates"),
    path("don-vi/thong-tin/", views.unit_data, name="unit_data"),
]
