"""Pages of district and provincial work outside the dossier queue: adoption dashboards,
employer assignments, release deployments and difficulties."""

from django.urls import path

from . import views_adoption, views_difficulties

app_name = "district"

urlpatterns = [
    path("ty-le-dien-tu/", views_adoption.dashboard, name="adoption"),
    path("ty-le-dien-tu/xlsx", views_adoption.export_xlsx, name="adoption_xlsx"),
    path("ty-le-dien-tu/chi-tieu", views_adoption.target_set, name="adoption_target"),
    path("phan-cong/", views_adoption.assignments, name="assignments"),
    path("phien-ban/", views_adoption.releases, name="releases"),
    path(
        "phien-ban/<int:pk>/trien-khai",
        views_adoption.deployment_record,
        name="deployment_record",
    ),
    path("vuong-mac/", views_difficulties.difficulty_list, name="difficulties"),
    path(
        "vuong-mac/can-tra-loi/",
        views_difficulties.difficulty_list,
        {"inbox": True},
        name="difficulties_inbox",
    ),
    path("vuong-mac/gui/", views_difficulties.difficulty_new, name="difficulty_new"),
    path(
        "vuong-mac/tong-hop/", views_difficulties.difficulty_summary_view, name="difficulty_summary"
    ),
    path("vuong-mac/<int:pk>/", views_difficulties.difficulty_detail, name="difficulty"),
    path(
        "vuong-mac/<int:pk>/tra-loi",
        views_difficulties.difficulty_answer_view,
        name="difficulty_answer",
    ),
    path(
        "vuong-mac/<int:pk>/chuyen",
        views_difficulties.difficulty_forward_view,
        name="difficulty_forward",
    ),
    path(
        "vuong-mac/tep/<int:pk>",
        views_difficulties.attachment_download,
        name="difficulty_attachment",
    ),
]
