from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [
    path("", views.dead_letters, name="dead"),
    path("<int:pk>/phat-lai/", views.replay, name="replay"),
]
