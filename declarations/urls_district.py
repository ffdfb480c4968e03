"""Pages of district and provincial work outside the dossier queue: adoption dashboards,
employer assignments, release deployments and difficulties."""

from django.urls import path

from . import views_adoption, views_difficulties, views_review

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
    path("tiep-nhan/", views_review.queue, name="review_queue"),
    path("tiep-nhan/<int:pk>/", views_review.dossier, name="review_dossier"),
    path("tiep-nhan/<int:pk>/chuyen", views_review.transition, name="review_transition"),
    path("tiep-nhan/<int:pk>/nhan-xu-ly", views_review.claim, name="review_claim"),
    path("tiep-nhan/<int:pk>/giao", views_review.assign, name="review_assign"),
    path("bang-dieu-khien/", views_review.dashboard, name="review_dashboard"),
    path("gui-buu-dien/", views_review.dispatch, name="review_dispatch"),
    path("gui-buu-dien/nhan.pdf", views_review.dispatch_labels, name="review_dispatch_labels"),
    path("gui-buu-dien/danh-sach.csv", views_review.dispatch_csv, name="review_dispatch_csv"),
    path("bao-cao-dinh-ky/", views_review.report, name="review_report"),
    path("bao-cao-dinh-ky/xlsx", views_review.report_xlsx, name="review_report_xlsx"),
    path("bao-cao-dinh-ky/pdf", views_review.report_pdf, name="review_report_pdf"),
]
