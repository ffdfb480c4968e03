"""Central IT's pages for I-VAN API clients (issue, rotate, revoke)."""

from django.urls import path

from ivan import views

app_name = "ivan"

urlpatterns = [
    path("", views.clients_page, name="clients"),
    path("<int:pk>/", views.client_page, name="client"),
]
