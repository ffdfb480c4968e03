"""Pages and steps of signing in the portal (namespace ``declarations``)."""

from django.urls import path

from declarations.signing import views

urlpatterns = [
    path("ky-so/", views.signing_upload, name="signing_upload"),
    path("ky-so/lap/", views.signing_compose, name="signing_compose"),
    path("ky-so/gia-han/", views.signing_renewal, name="signing_renewal"),
    path("ky-so/don-vi/", views.signing_unit_data, name="signing_unit_data"),
    path("ky-so/dang-ky/", views.signing_registration, name="signing_registration"),
    path("ky-so/giao-dich-dien-tu/", views.signing_channel, name="signing_channel"),
    path("ky-so/tai-khoan-tu-xa/", views.remote_accounts, name="signing_remote_accounts"),
    path("ky-so/<uuid:pk>/", views.signing_page, name="signing_page"),
    path("ky-so/<uuid:pk>/bat-dau/", views.signing_start, name="signing_start"),
    path("ky-so/<uuid:pk>/vong/", views.signing_round, name="signing_round"),
    path("ky-so/<uuid:pk>/tu-xa/", views.signing_remote, name="signing_remote"),
    path("ky-so/<uuid:pk>/thu-nghiem/", views.signing_trial, name="signing_trial"),
]
