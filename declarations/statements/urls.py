"""Statement pages: the unit's (``declarations``) and the office's (``district``)."""

from django.urls import path

from declarations.statements import views

_one = [
    path(
        "thong-bao-c12/<str:unit_code>/<str:month>/",
        views.statement_detail,
        name="statement",
    ),
    path(
        "thong-bao-c12/<str:unit_code>/<str:month>/chi-tiet/<str:row>/",
        views.statement_lines,
        name="statement_lines",
    ),
    path(
        "thong-bao-c12/<str:unit_code>/<str:month>/xlsx/",
        views.statement_download,
        name="statement_xlsx",
    ),
    path(
        "thong-bao-c12/<str:unit_code>/<str:month>/pdf/",
        views.statement_pdf_download,
        name="statement_pdf",
    ),
]

unit_pages = [path("thong-bao-c12/", views.statement_list, name="statements"), *_one]

office_pages = [
    path("thong-bao-c12/", views.statement_list, name="statements"),
    path("thong-bao-c12/tong-hop/", views.statements_summary, name="statements_summary"),
    *_one,
]
