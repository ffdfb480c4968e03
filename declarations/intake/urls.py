"""Pages of composing and sending dossiers (namespace ``declarations``)."""

from django.urls import path

from declarations.intake import views

urlpatterns = [
    path("nop/", views.upload, name="upload"),
    path("lap/", views.compose, name="compose"),
    path("lap/kiem-tra/", views.compose_check, name="compose_check"),
    path("lap/mau/<str:form>.xlsx", views.compose_template, name="compose_template"),
]
