"""Provinces' deployment of the portal release and the list of those late."""

from datetime import date

import pytest
import time_machine

from accounts.models import AuditEntry, Office
from accounts.selectors import office_resolve
from declarations.adoption.models import PortalRelease, ReleaseDeployment
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.usefixtures("reference_data")
URL = "/quan-ly/phien-ban/"


def staff(role, code):
    user = UserFactory()
    grant(user, role, office_resolve(code), valid_from=date(2015, 1, 1))
    return user


def test_the_2016_release_lists_22_of_63_provinces_late(client):
    release = PortalRelease.objects.create(
        version="2.1.0", released_on=date(2015, 12, 1), deploy_by=date(2016, 1, 15)
    )
    provinces = list(
        Office.objects.filter(level="province", valid_to=date(2025, 6, 30)).order_by("code")
    )
    assert len(provinces) == 63
    for p in provinces[:41]:
        ReleaseDeployment.objects.create(release=release, province=p, deployed_on=date(2016, 1, 10))
    late_but_done = provinces[41]
    ReleaseDeployment.objects.filter(province=late_but_done).delete()
    ReleaseDeployment.objects.create(
        release=release, province=late_but_done, deployed_on=date(2016, 2, 1)
    )
    client.force_login(staff("central_leader", "00"))
    response = client.get(URL, {"release": release.pk})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 63
    late = response.context["late"]
    assert len(late) == 22
    assert late_but_done in [r.province for r in late]
    assert provinces[0] not in [r.province for r in late]


def test_the_current_release_and_scoped_rows(client):
    PortalRelease.objects.create(
        version="3.0", released_on=date(2026, 1, 5), deploy_by=date(2026, 2, 1)
    )
    with time_machine.travel("2026-03-01 09:00 +0700", tick=False):
        client.force_login(staff("it_staff", "75"))
        response = client.get(URL)
    assert response.context["release"].version == "3.0"
    assert [r.province.code for r in response.context["rows"]] == ["75"]
    assert [p.code for p in response.context["deployable"]] == ["75"]


def test_it_staff_record_their_province_only(client):
    release = PortalRelease.objects.create(
        version="3.0", released_on=date(2026, 1, 5), deploy_by=date(2026, 2, 1)
    )
    with time_machine.travel("2026-03-01 09:00 +0700", tick=False):
        client.force_login(staff("it_staff", "75"))
        own, other = office_resolve("75"), office_resolve("79")
        url = f"{URL}{release.pk}/trien-khai"
        assert (
            client.post(url, {"province": own.pk, "deployed_on": "2026-01-20"}).status_code == 302
        )
        assert (
            client.post(url, {"province": other.pk, "deployed_on": "2026-01-20"}).status_code == 403
        )
        # a future date and a date before the release are refused
        client.post(url, {"province": own.pk, "deployed_on": "2026-04-01"})
        client.post(url, {"province": own.pk, "deployed_on": "2025-12-01"})
    deployment = ReleaseDeployment.objects.get(release=release)
    assert (deployment.province, deployment.deployed_on) == (own, date(2026, 1, 20))
    assert AuditEntry.objects.filter(action="release.deployed").count() == 1


def test_others_may_not_open_the_page(client):
    client.force_login(staff("receiving_officer", "7501"))
    assert client.get(URL).status_code == 403


def test_admin_pages_open_and_a_new_release_is_audited(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.vn", "x")
    client.force_login(root)
    for model in (
        "dossiers/publicholiday",
        "dossiers/proceduretimelimit",
        "adoption/employerassignment",
        "adoption/adoptiontarget",
        "adoption/portalrelease",
        "difficulties/difficulty",
    ):
        assert client.get(f"/quan-tri/{model}/").status_code == 200, model
    assert client.get("/quan-tri/adoption/adoptiontarget/add/").status_code == 403
    response = client.post(
        "/quan-tri/adoption/portalrelease/add/",
        {
            "version": "3.1",
            "released_on": "2026-01-05",
            "deploy_by": "2026-02-01",
            "report_by": "2026-02-10",
            "notes": "",
            "deployments-TOTAL_FORMS": "0",
            "deployments-INITIAL_FORMS": "0",
            "results-TOTAL_FORMS": "0",
            "results-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    release = PortalRelease.objects.get(version="3.1")
    assert release.results_due == date(2026, 2, 10)
    assert AuditEntry.objects.filter(action="release.added", target_id=release.pk).exists()
