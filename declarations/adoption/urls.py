"""Pages of the adoption work (namespace ``district``)."""

from django.urls import path

from declarations.adoption import views

urlpatterns = [
    path("ty-le-dien-tu/", views.dashboard, name="adoption"),
    path("ty-le-dien-tu/xlsx", views.export_xlsx, name="adoption_xlsx"),
    path("ty-le-dien-tu/chi-tieu", views.target_set, name="adoption_target"),
    path("phan-cong/", views.assignments, name="assignments"),
    path("phien-ban/", views.releases, name="releases"),
    path(
        "phien-ban/<int:pk>/trien-khai",
        views.deployment_record,
        name="deployment_record",
    ),
    path("phien-ban/ket-qua/", views.release_results, name="release_results"),
    path(
        "phien-ban/<int:pk>/bao-cao-ket-qua",
        views.release_result_submit,
        name="release_result_submit",
    ),
    path("phien-ban/ket-qua/<int:pk>/tep", views.release_result_file, name="release_result_file"),
]
