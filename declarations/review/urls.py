"""Pages of the review (namespace ``district``)."""

from django.urls import path

from declarations.review import views

urlpatterns = [
    path("tiep-nhan/", views.queue, name="review_queue"),
    path("tiep-nhan/<int:pk>/", views.dossier, name="review_dossier"),
    path("tiep-nhan/<int:pk>/chuyen", views.transition, name="review_transition"),
    path("tiep-nhan/<int:pk>/nhan-xu-ly", views.claim, name="review_claim"),
    path("tiep-nhan/<int:pk>/giao", views.assign, name="review_assign"),
    path("bang-dieu-khien/", views.dashboard, name="review_dashboard"),
    path("gui-buu-dien/", views.dispatch, name="review_dispatch"),
    path("gui-buu-dien/nhan.pdf", views.dispatch_labels, name="review_dispatch_labels"),
    path("gui-buu-dien/danh-sach.csv", views.dispatch_csv, name="review_dispatch_csv"),
    path("bao-cao-dinh-ky/", views.report, name="review_report"),
    path("bao-cao-dinh-ky/xlsx", views.report_xlsx, name="review_report_xlsx"),
    path("bao-cao-dinh-ky/pdf", views.report_pdf, name="review_report_pdf"),
]

# Under the ``declarations`` namespace, beside the dossier page it acts on.
dossier_pages = [
    path("ho-so/<int:pk>/da-nhan-giay/", views.paper_set_received, name="paper_set"),
]
