"""Provinces report the result of deploying a release by its due date (báo cáo kết quả
triển khai … trước ngày …): submission scoped to the province, the overdue list and chart
for central IT, and reminders through the outbox, once a day."""

from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry, Office, OfficeLevel
from accounts.selectors import office_resolve
from core.outbox.models import OutboxMessage
from core.refusals import Refused
from declarations.adoption import results, tasks
from declarations.adoption.models import PortalRelease, ReleaseResult, ReleaseResultReminder
from declarations.adoption.results import ResultState
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.usefixtures("reference_data")
URL = "/quan-ly/phien-ban/ket-qua/"


def staff(role, code, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, role, office_resolve(code), valid_from=date(2015, 1, 1))
    return user


def at(day, hour=9):
    return time_machine.travel(f"{day} {hour:02d}:00 +0700", tick=False)


@pytest.fixture
def release():
    return PortalRelease.objects.create(
        version="3.0",
        released_on=date(2026, 1, 5),
        deploy_by=date(2026, 2, 1),
        report_by=date(2026, 2, 10),
    )


def provinces_2026():
    return Office.objects.filter(level=OfficeLevel.PROVINCE, valid_to__isnull=True).count()


def report(user, release, code, day, **kwargs):
    with at(day):
        return results.release_result_submit(
            actor=user,
            release=release,
            province=office_resolve(code),
            outcome=kwargs.pop("outcome", "deployed"),
            text=kwargs.pop("text", "Đã triển khai tại tất cả cơ sở."),
            **kwargs,
        )


# --- submission, scoped to the province -----------------------------------------------------
def test_a_province_admin_reports_its_result_with_an_attachment(client, release):
    admin = staff("provincial_admin", "01")
    with at("2026-02-05"):
        client.force_login(admin)
        page = client.get(URL, {"release": release.pk})
        assert [p.code for p in page.context["reportable"]] == ["01"]
        response = client.post(
            f"/quan-ly/phien-ban/{release.pk}/bao-cao-ket-qua",
            {
                "province": office_resolve("01").pk,
                "outcome": "partial",
                "text": "Triển khai 20/22 cơ sở; 2 cơ sở chờ đường truyền.",
                "attachment": SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 test"),
            },
        )
    assert response.status_code == 302
    result = ReleaseResult.objects.get(release=release)
    assert (result.province.code, result.outcome, result.submitted_by) == ("01", "partial", admin)
    assert result.attachment.read() == b"%PDF-1.4 test"
    entry = AuditEntry.objects.get(action="release.result_submitted")
    assert entry.data["late"] is False and entry.data["attachment"] is True

    central = staff("central_it", "00")
    other = staff("provincial_admin", "38")
    file_url = f"/quan-ly/phien-ban/ket-qua/{result.pk}/tep"
    client.force_login(central)
    assert client.get(file_url).status_code == 200
    client.force_login(other)
    assert client.get(file_url).status_code == 404


def test_a_province_admin_cannot_report_for_another_province(client, release):
    with at("2026-02-05"):
        client.force_login(staff("provincial_admin", "01"))
        response = client.post(
            f"/quan-ly/phien-ban/{release.pk}/bao-cao-ket-qua",
            {"province": office_resolve("38").pk, "outcome": "deployed", "text": "x"},
        )
    assert response.status_code == 403
    assert not ReleaseResult.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": "   "}, "RESULT_TEXT"),
        ({"outcome": "maybe"}, "RESULT_OUTCOME"),
        ({"attachment": SimpleUploadedFile("run.exe", b"MZ")}, "RESULT_FILE_TYPE"),
    ],
)
def test_bad_input_is_refused_with_a_code_and_nothing_stored(release, kwargs, code):
    admin = staff("provincial_admin", "01")
    with pytest.raises(Refused) as exc:
        report(admin, release, "01", "2026-02-05", **kwargs)
    assert exc.value.code == code
    assert not ReleaseResult.objects.exists()


def test_the_page_shows_a_coded_vietnamese_message_on_refusal(client, release):
    with at("2026-02-05"):
        client.force_login(staff("provincial_admin", "01"))
        response = client.post(
            f"/quan-ly/phien-ban/{release.pk}/bao-cao-ket-qua",
            {"province": office_resolve("01").pk, "outcome": "deployed", "text": " "},
            follow=True,
        )
    assert response.status_code == 200
    assert "RESULT_TEXT" in response.content.decode()
    assert "Hãy mô tả kết quả triển khai" in response.content.decode()


def test_a_correction_keeps_the_first_submission_time(release):
    admin = staff("provincial_admin", "01")
    first = report(admin, release, "01", "2026-02-09", outcome="failed")
    again = report(admin, release, "01", "2026-02-12", outcome="deployed")
    assert again.pk == first.pk and again.submitted_at == first.submitted_at
    assert again.outcome == "deployed" and again.revised_at is not None
    with at("2026-02-12"):
        row = results.release_results(release=release, office_ids=None).rows[0]
    assert row.state == ResultState.ON_TIME


# --- the overdue list, the chart, the scope ---------------------------------------------------
def test_central_it_sees_every_province_the_late_and_the_overdue(client, release):
    report(staff("provincial_admin", "01"), release, "01", "2026-02-10")
    report(staff("provincial_admin", "79"), release, "79", "2026-02-11")
    with at("2026-02-11", 10):
        client.force_login(staff("central_it", "00"))
        response = client.get(URL, {"release": release.pk})
    assert response.status_code == 200
    data = response.context["report"]
    assert data.due == date(2026, 2, 10)
    assert len(data.rows) == provinces_2026()
    states = {r.province.code: r.state for r in data.rows}
    assert states["01"] == ResultState.ON_TIME  # on the due day itself
    assert states["79"] == ResultState.LATE
    assert len(data.overdue) == provinces_2026() - 2
    assert "38" in [r.province.code for r in data.overdue]
    html = response.content.decode()
    assert 'data-value="2"' in html  # reported
    assert f'data-value="{provinces_2026() - 2}"' in html  # overdue
    assert "<svg" in response.context["chart"]


def test_a_province_admin_sees_only_its_province(client, release):
    with at("2026-02-11"):
        client.force_login(staff("provincial_admin", "38"))
        response = client.get(URL, {"release": release.pk})
    assert [r.province.code for r in response.context["report"].rows] == ["38"]
    assert [r.province.code for r in response.context["report"].overdue] == ["38"]


def test_the_page_needs_a_deployment_right(client, release):
    client.force_login(staff("receiving_officer", "0101"))
    assert client.get(URL).status_code == 403


def test_the_results_read_in_three_queries(release, django_assert_num_queries):
    report(staff("provincial_admin", "01"), release, "01", "2026-02-05")
    with at("2026-02-11"), django_assert_num_queries(3):
        data = results.release_results(release=release, office_ids=None)
        assert len(data.submitted) == 1


# --- reminders --------------------------------------------------------------------------------
def test_reminders_go_once_a_day_through_the_outbox_to_those_who_have_not_reported(release):
    staff("provincial_admin", "38", email="qt38@bhxh.gov.vn")
    staff("it_staff", "38", email="cntt38@bhxh.gov.vn")
    report(staff("provincial_admin", "01", email="qt01@bhxh.gov.vn"), release, "01", "2026-02-05")
    waiting = provinces_2026() - 1

    with at("2026-02-06", 7):  # four days before the due day: not yet
        assert tasks.release_results_remind() == 0
    with at("2026-02-07", 7):
        assert tasks.release_results_remind() == waiting
        assert tasks.release_results_remind() == 0  # the same day again: nothing more
    mails = OutboxMessage.objects.filter(key__startswith="release-result-reminder-")
    assert mails.count() == 1  # only Thanh Hóa has someone to write to
    mail = mails.get()
    assert mail.payload["to"] == ["cntt38@bhxh.gov.vn", "qt38@bhxh.gov.vn"]
    assert "3.0" in mail.payload["subject"] and "10/02/2026" in mail.payload["body"]
    assert ReleaseResultReminder.objects.filter(day=date(2026, 2, 7)).count() == waiting
    assert not ReleaseResultReminder.objects.filter(province=office_resolve("01")).exists()
    assert AuditEntry.objects.filter(action="release.result_reminded").count() == waiting

    with at("2026-02-11", 7):  # the next run, overdue now
        assert tasks.release_results_remind() == waiting
    assert mails.count() == 2
    assert mails.order_by("-id").first().payload["subject"].startswith("Quá hạn")


def test_no_reminders_after_the_follow_up_period(release, settings):
    settings.RELEASE_RESULT_FOLLOW_UP_DAYS = 30
    with at("2026-03-12", 7):
        assert results.release_results_remind() == provinces_2026()
    with at("2026-03-13", 7):
        assert results.release_results_remind() == 0


def test_without_a_report_date_results_are_due_with_the_deployment():
    release = PortalRelease.objects.create(
        version="3.1", released_on=date(2026, 1, 5), deploy_by=date(2026, 2, 1)
    )
    assert release.results_due == date(2026, 2, 1)
    with at("2026-01-28", 7):  # four days before
        assert results.release_results_remind() == 0
    with at("2026-01-29", 7):
        assert results.release_results_remind() == provinces_2026()
    with at("2026-02-02"):
        data = results.release_results(release=release, office_ids=None)
    assert len(data.overdue) == provinces_2026()
