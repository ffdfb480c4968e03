from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api, views
from .views import (
    audit,
    connectors,
    consolidated,
    data_requests,
    lifecycle,
    outside,
    passwords,
    reports,
    second_factor,
)

app_name = "accounts"

router = SimpleRouter()
router.register("users", api.AccountViewSet, basename="api-user")

urlpatterns = [
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path(
        "dat-mat-khau/<uidb64>/<token>/", passwords.PasswordSetView.as_view(), name="password_set"
    ),
    path("quen-mat-khau/", passwords.password_reset, name="password_reset"),
    path("quen-mat-khau/da-gui/", passwords.password_reset_sent, name="password_reset_sent"),
    path("doi-mat-khau/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("xac-thuc-hai-lop/dang-ky/", second_factor.otp_enrol, name="otp_enrol"),
    path("xac-thuc-hai-lop/", second_factor.otp_verify, name="otp_verify"),
    path("quyet-dinh/", lifecycle.decision_list, name="decisions"),
    path("quyet-dinh/moi/", lifecycle.decision_new, name="decision_new"),
    path("quyet-dinh/<int:pk>/", lifecycle.decision_detail, name="decision_detail"),
    path("quyet-dinh/<int:pk>/huy/", lifecycle.decision_cancel, name="decision_cancel"),
    path("can-bo/", lifecycle.staff_list, name="staff"),
    path("can-bo/moi/", lifecycle.staff_new, name="staff_new"),
    path("can-bo/<int:pk>/", lifecycle.staff_detail, name="staff_detail"),
    path("can-bo/<int:pk>/khoa/", lifecycle.staff_lock, name="staff_lock"),
    path("can-bo/<int:pk>/mo-khoa/", lifecycle.staff_unlock, name="staff_unlock"),
    path(
        "can-bo/<int:pk>/quyen/<int:grant_pk>/ket-thuc/",
        lifecycle.grant_end,
        name="grant_end",
    ),
    path("khong-hoat-dong/", lifecycle.dormant, name="dormant"),
    path("ung-dung/viec-can-lam/", connectors.task_list, name="connector_tasks"),
    path(
        "ung-dung/viec-can-lam/<int:pk>/xong/",
        connectors.task_done,
        name="connector_task_done",
    ),
    path("khong-hoat-dong/<int:pk>/khoa/", lifecycle.dormant_lock, name="dormant_lock"),
    path("ben-ngoai/", outside.request_list, name="outside"),
    path("ben-ngoai/phe-duyet/", outside.request_list, name="outside_approvals"),
    path("ben-ngoai/moi/", outside.request_new, name="outside_new"),
    path("ben-ngoai/<int:pk>/", outside.request_detail, name="outside_detail"),
    path(
        "ben-ngoai/<int:pk>/<str:verdict>/",
        outside.request_decide,
        name="outside_decide",
    ),
    path("bao-cao-quy/", reports.report_list, name="reports"),
    path("bao-cao-quy/chua-nop/", reports.not_submitted, name="reports_missing"),
    path("bao-cao-quy/tong-hop/", consolidated.national_report, name="reports_national"),
    path(
        "bao-cao-quy/tong-hop/tai.<str:fmt>",
        consolidated.national_file,
        name="reports_national_file",
    ),
    path(
        "bao-cao-quy/<str:code>/<int:year>/<int:quarter>/",
        reports.report_detail,
        name="report_detail",
    ),
    path(
        "bao-cao-quy/<str:code>/<int:year>/<int:quarter>/gui/",
        reports.report_submit,
        name="report_submit",
    ),
    path(
        "bao-cao-quy/<str:code>/<int:year>/<int:quarter>/tai.<str:fmt>",
        reports.report_file,
        name="report_file",
    ),
    path("khai-thac-du-lieu/", data_requests.request_list, name="data_requests"),
    path("khai-thac-du-lieu/phe-duyet/", data_requests.request_list, name="data_requests_decide"),
    path("khai-thac-du-lieu/dap-ung/", data_requests.request_list, name="data_requests_fulfil"),
    path("khai-thac-du-lieu/moi/", data_requests.request_new, name="data_request_new"),
    path("khai-thac-du-lieu/<int:pk>/", data_requests.request_detail, name="data_request_detail"),
    path(
        "khai-thac-du-lieu/<int:pk>/xu-ly/<str:verdict>/",
        data_requests.request_decide,
        name="data_request_decide",
    ),
    path(
        "khai-thac-du-lieu/<int:pk>/dap-ung/",
        data_requests.request_fulfil,
        name="data_request_fulfil",
    ),
    path(
        "khai-thac-du-lieu/<int:pk>/tai/<str:which>/",
        data_requests.request_download,
        name="data_request_download",
    ),
    path("nhat-ky/", audit.audit_list, name="audit"),
    path("nhat-ky/xuat.xlsx", audit.audit_export, name="audit_export"),
    path("nhat-ky/kiem-tra/", audit.audit_verify, name="audit_verify"),
    path("api/v1/", include(router.urls)),
]
