"""Pages of insured people: the unit's (``declarations``) and the office's (``district``)."""

from django.urls import path

from declarations.people import views

unit_pages = [
    path("nguoi-lao-dong/", views.workforce_page, name="workforce"),
    path("the-bhyt/<int:pk>/pdf/", views.card_pdf, name="card_pdf"),
    path("so-bhxh/<str:number>/pdf/", views.book_pdf, name="book_pdf"),
]

office_pages = [
    path("nguoi-tham-gia/", views.person_search, name="people"),
    path("nguoi-tham-gia/<str:number>/", views.person_detail, name="person"),
    path("the-bhyt-thu-hoi/", views.cards_returns, name="cards_to_return"),
    path("the-bhyt/<int:pk>/da-nop/", views.card_returned, name="card_returned"),
]
