"""Pages of payments received (namespace ``district``, included by
``declarations/urls_district.py``)."""

from django.urls import path

from declarations.payments import views

urlpatterns = [
    path("thu-tien/", views.payments_page, name="payments"),
    path("thu-tien/sao-ke/", views.statement_import, name="payments_import"),
    path("thu-tien/sao-ke/<int:pk>/", views.statement_detail, name="payments_import_detail"),
    path("thu-tien/sao-ke/<int:pk>/luu/", views.statement_confirm, name="payments_import_confirm"),
    path("thu-tien/chua-doi-chieu/", views.queue, name="payments_queue"),
    path("thu-tien/<int:pk>/doi-chieu/", views.payment_match, name="payment_match"),
]
