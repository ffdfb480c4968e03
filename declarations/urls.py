"""The employers' and office's pages of this package, under the ``declarations`` namespace."""

from declarations.dossiers.urls import urlpatterns as dossier_pages
from declarations.employers.urls import urlpatterns as employer_pages
from declarations.intake.urls import urlpatterns as intake_pages
from declarations.people.urls import unit_pages as people_pages
from declarations.review.urls import dossier_pages as review_pages
from declarations.signing.urls import urlpatterns as signing_pages
from declarations.statements.urls import unit_pages as statement_pages

app_name = "declarations"

urlpatterns = [
    *dossier_pages,
    *employer_pages,
    *intake_pages,
    *people_pages,
    *review_pages,
    *signing_pages,
    *statement_pages,
]
