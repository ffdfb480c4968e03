"""Pages of the difficulties (namespace ``district``)."""

from django.urls import path

from declarations.difficulties import views

urlpatterns = [
    path("vuong-mac/", views.difficulty_list, name="difficulties"),
    path(
        "vuong-mac/can-tra-loi/",
        views.difficulty_list,
        {"inbox": True},
        name="difficulties_inbox",
    ),
    path("vuong-mac/gui/", views.difficulty_new, name="difficulty_new"),
    path("vuong-mac/tong-hop/", views.difficulty_summary_view, name="difficulty_summary"),
    path("vuong-mac/<int:pk>/", views.difficulty_detail, name="difficulty"),
    path(
        "vuong-mac/<int:pk>/tra-loi",
        views.difficulty_answer_view,
        name="difficulty_answer",
    ),
    path(
        "vuong-mac/<int:pk>/chuyen",
        views.difficulty_forward_view,
        name="difficulty_forward",
    ),
    path(
        "vuong-mac/tep/<int:pk>",
        views.attachment_download,
        name="difficulty_attachment",
    ),
]
