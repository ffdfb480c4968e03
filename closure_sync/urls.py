from django.urls import path

from . import import_views, views

app_name = "closure_sync"

urlpatterns = [
    path("", views.closure_list, name="list"),
    path("tao/", views.closure_create, name="create"),
    path("<int:pk>/", views.closure_detail, name="detail"),
    path("<int:pk>/xac-nhan/", views.closure_confirm, name="confirm"),
    path("<int:pk>/dieu-chinh/", views.closure_correct, name="correct"),
    path("chuyen/", views.manual_push, name="push"),
    path("chuyen/tu-2008/", views.backfill_start, name="backfill"),
    path("chuyen/lan/<int:pk>/", views.job_detail, name="job"),
    path("chuyen/lan/<int:pk>/tien-do", views.job_status, name="job-status"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("nhan/", views.receive, name="receive"),
    path("tuan-thu/", views.compliance, name="compliance"),
    path("nhap-tep/", import_views.import_upload, name="import"),
    path("nhap-tep/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("nhap-tep/<int:pk>/luu/", import_views.import_store, name="import-store"),
]
