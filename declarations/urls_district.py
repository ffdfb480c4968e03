"""District and provincial work under the ``district`` namespace: the review queue and
reports, adoption dashboards, assignments, release deployments and difficulties."""

from declarations.adoption.urls import urlpatterns as adoption_pages
from declarations.difficulties.urls import urlpatterns as difficulty_pages
from declarations.payments.urls import urlpatterns as payment_pages
from declarations.people.urls import office_pages as people_pages
from declarations.review.urls import urlpatterns as review_pages
from declarations.statements.urls import office_pages as statement_pages

app_name = "district"

urlpatterns = [
    *adoption_pages,
    *difficulty_pages,
    *people_pages,
    *review_pages,
    *payment_pages,
    *statement_pages,
]
