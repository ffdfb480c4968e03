"""The incident list is shown a page at a time with its total, never cut at 200."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.dossiers.models import Incident
from tests.declarations.review_world import World

pytestmark = pytest.mark.usefixtures("reference_data")


def test_the_incident_list_is_paged_not_cut(client):
    world = World()
    start = datetime(2026, 1, 1, 8, tzinfo=timezone.get_current_timezone())
    Incident.objects.bulk_create(
        Incident(
            office=world.office_a,
            kind="network",
            started_at=start + timedelta(hours=i),
            scope="Toàn cơ quan",
            cause=f"Mất mạng {i}",
            recorded_by=world.officer_a,
        )
        for i in range(230)
    )
    client.force_login(world.officer_a)
    first = client.get(reverse("declarations:incidents"))
    assert first.context["page"].paginator.count == 230
    assert len(client.get(reverse("declarations:incidents"), {"page": 5}).context["page"]) == 30
