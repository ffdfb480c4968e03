"""Pages of dossiers, notices, incidents and paper dossiers (namespace ``declarations``)."""

from django.urls import path

from declarations.dossiers import views

urlpatterns = [
    path("", views.history, name="history"),
    path("tiep-nhan/", views.history, name="received"),
    path("ho-so/<int:pk>/", views.dossier_detail, name="dossier"),
    path("ho-so/<int:pk>/tep/<int:position>/", views.dossier_file, name="dossier_file"),
    path("thong-bao/<int:pk>/", views.notice_view, name="notice"),
    path("thong-bao/<int:pk>/pdf/", views.notice_download, name="notice_pdf"),
    path("thong-bao/<int:pk>/xml/", views.notice_xml_download, name="notice_xml"),
    path("su-co/", views.incidents, name="incidents"),
    path("ho-so-giay/", views.paper_dossier, name="paper_dossier"),
]
