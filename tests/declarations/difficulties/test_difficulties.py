"""Difficulties (vướng mắc): filing, scoping, forwarding, answering, e-mail, summary."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from accounts.selectors import office_resolve
from core.outbox.models import OutboxMessage
from core.refusals import Refused
from declarations.difficulties.models import Difficulty, DifficultyStatus
from declarations.difficulties.services import (
    difficulty_answer,
    difficulty_file,
    difficulty_forward,
)
from tests.factories import (
    EmployerFactory,
    ProviderFactory,
    UserFactory,
    carry,
    employer_user,
    grant,
    provider_user,
)

pytestmark = pytest.mark.usefixtures("reference_data")
LIST = "/quan-ly/vuong-mac/"


def staff(role, code, **kwargs):
    user = UserFactory(**kwargs)
    grant(user, role, office_resolve(code), valid_from=date(2015, 1, 1))
    return user


@pytest.fixture
def units():
    bien_hoa = EmployerFactory(unit_code="DN0001A", managing_office=office_resolve("7501"))
    saigon = EmployerFactory(unit_code="HCM001A", managing_office=office_resolve("7901"))
    vnpt = ProviderFactory(code="VNPT")
    carry(bien_hoa, vnpt)
    return bien_hoa, saigon, vnpt


def file_one(user, employer=None, **kwargs):
    fields = {
        "category": "signature",
        "subject": "Không ký được tờ khai",
        "description": "Chữ ký số báo lỗi chứng thư.",
    }
    fields.update(kwargs)
    return difficulty_file(actor=user, employer=employer, **fields)


def test_an_employer_files_with_attachments_through_the_page(client, units):
    bien_hoa, _s, _v = units
    user = employer_user(bien_hoa, email="ketoan@dn.example.vn")
    client.force_login(user)
    response = client.post(
        LIST + "gui/",
        {
            "category": "software",
            "subject": "Lỗi phần mềm kê khai",
            "description": "Không nộp được hồ sơ 600.",
            "files": [
                SimpleUploadedFile("loi.png", b"\x89PNG..."),
                SimpleUploadedFile("to-khai.xml", b"<Hoso/>"),
            ],
        },
    )
    d = Difficulty.objects.get()
    assert response.status_code == 302 and response.url == f"{LIST}{d.pk}/"
    assert (d.office.code, d.employer, d.status) == ("7501", bien_hoa, DifficultyStatus.OPEN)
    assert sorted(a.name for a in d.attachments.all()) == ["loi.png", "to-khai.xml"]
    assert AuditEntry.objects.filter(action="difficulty.filed", target_id=d.pk).exists()
    page = client.get(f"{LIST}{d.pk}/")
    assert "Không nộp được hồ sơ 600." in page.content.decode()
    attachment = d.attachments.get(name="to-khai.xml")
    download = client.get(f"{LIST}tep/{attachment.pk}")
    assert b"".join(download.streaming_content) == b"<Hoso/>"


@pytest.mark.parametrize(
    ("files", "code"),
    [
        ([SimpleUploadedFile(f"{i}.pdf", b"x") for i in range(7)], "DIFF_TOO_MANY_FILES"),
        ([SimpleUploadedFile("big.pdf", b"x" * (5 * 1024 * 1024 + 1))], "DIFF_FILES_TOO_LARGE"),
        ([SimpleUploadedFile("virus.exe", b"MZ")], "DIFF_FILE_TYPE"),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_written(units, files, code):
    user = employer_user(units[0])
    with pytest.raises(Refused) as err:
        file_one(user, units[0], files=files)
    assert err.value.code == code
    assert not Difficulty.objects.exists()


def test_bad_input_on_the_page_shows_the_code_not_a_500(client, units):
    user = employer_user(units[0])
    client.force_login(user)
    response = client.post(
        LIST + "gui/",
        {
            "category": "software",
            "subject": "x",
            "description": "y",
            "files": [SimpleUploadedFile("virus.exe", b"MZ")],
        },
    )
    assert response.status_code == 200
    assert "DIFF_FILE_TYPE" in response.content.decode()
    assert not Difficulty.objects.exists()


def test_an_employer_may_not_file_for_another_unit(units):
    bien_hoa, saigon, _v = units
    with pytest.raises(Refused) as err:
        file_one(employer_user(bien_hoa), saigon)
    assert err.value.code == "DIFF_FORBIDDEN"


def test_staff_file_for_their_own_office(units):
    d = file_one(staff("receiving_officer", "7901"), category="procedure")
    assert d.office.code == "7901" and d.employer is None


def test_lists_are_scoped(client, units):
    bien_hoa, saigon, _v = units
    mine = file_one(employer_user(bien_hoa), bien_hoa)
    theirs = file_one(employer_user(saigon), saigon)
    cases = [
        (employer_user(bien_hoa), {mine.pk}),
        (staff("receiving_officer", "7501"), {mine.pk}),
        (staff("collection_officer", "7901"), {theirs.pk}),
        (staff("it_staff", "75"), {mine.pk}),
        (staff("central_it", "00"), {mine.pk, theirs.pk}),
    ]
    for user, expected in cases:
        client.force_login(user)
        shown = {d.pk for d in client.get(LIST).context["page"]}
        assert shown == expected, user
    client.force_login(staff("receiving_officer", "7501"))
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/tra-loi", {"answer": "x"}).status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/chuyen", {"to": "it"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == DifficultyStatus.OPEN


def test_answering_emails_the_filer_through_the_outbox(
    client, units, django_capture_on_commit_callbacks
):
    filer = employer_user(units[0], email="ketoan@dn.example.vn")
    d = file_one(filer, units[0])
    officer = staff("receiving_officer", "7501")
    with time_machine.travel(d.filed_at + timedelta(hours=5, minutes=30), tick=False):
        client.force_login(officer)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"{LIST}{d.pk}/tra-loi", {"answer": "Cập nhật chứng thư số."})
    assert response.status_code == 302
    d.refresh_from_db()
    assert (d.status, d.answered_by, d.response_hours) == (DifficultyStatus.ANSWERED, officer, 5.5)
    msg = OutboxMessage.objects.get(key=f"difficulty-answered-{d.pk}")
    assert msg.payload["to"] == ["ketoan@dn.example.vn"]
    assert [m.to for m in mail.outbox] == [["ketoan@dn.example.vn"]]  # relayed in-process
    assert "Cập nhật chứng thư số." in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="difficulty.answered", target_id=d.pk).exists()
    client.force_login(filer)
    assert "Cập nhật chứng thư số." in client.get(f"{LIST}{d.pk}/").content.decode()


def test_forward_to_it_then_provider_then_answer(units):
    bien_hoa, _s, vnpt = units
    d = file_one(employer_user(bien_hoa), bien_hoa)
    officer = staff("receiving_officer", "7501")
    staff("it_staff", "75", email="cntt@dn.example.vn")
    difficulty_forward(actor=officer, difficulty=d, to="it", note="Lỗi máy chủ?")
    d.refresh_from_db()
    assert d.status == DifficultyStatus.FORWARDED_IT
    assert OutboxMessage.objects.get(key__startswith=f"difficulty-forwarded-{d.pk}-").payload[
        "to"
    ] == ["cntt@dn.example.vn"]
    vnpt_user = provider_user(vnpt, email="hotro@vnpt.example.vn")
    difficulty_forward(actor=officer, difficulty=d, to="provider")  # the employer's own I-VAN
    d.refresh_from_db()
    assert (d.status, d.provider) == (DifficultyStatus.FORWARDED_PROVIDER, vnpt)
    # the provider answers what was forwarded to it
    difficulty_answer(actor=vnpt_user, difficulty=d, answer="Đã cấp lại chứng thư.")
    d.refresh_from_db()
    assert d.status == DifficultyStatus.ANSWERED and d.answered_by == vnpt_user
    assert [n.kind for n in d.notes.all()] == ["forward_it", "forward_provider", "answer"]
    assert AuditEntry.objects.filter(action="difficulty.forwarded").count() == 2


def test_forbidden_transitions_and_actors(units):
    bien_hoa, saigon, vnpt = units
    d = file_one(employer_user(bien_hoa), bien_hoa)
    other_provider_user = provider_user(ProviderFactory(code="TS24"))
    vnpt_user = provider_user(vnpt)
    with pytest.raises(Refused) as err:  # not forwarded to it: invisible
        difficulty_answer(actor=vnpt_user, difficulty=d, answer="x")
    assert err.value.code == "DIFF_FORBIDDEN"
    with pytest.raises(Refused):  # providers do not forward
        difficulty_forward(actor=vnpt_user, difficulty=d, to="it")
    with pytest.raises(Refused):  # another office's staff
        difficulty_answer(actor=staff("receiving_officer", "7901"), difficulty=d, answer="x")
    with pytest.raises(Refused):  # the filer cannot answer their own difficulty
        difficulty_answer(actor=d.filed_by, difficulty=d, answer="x")
    officer = staff("receiving_officer", "7501")
    difficulty_forward(actor=officer, difficulty=d, to="provider")
    with pytest.raises(Refused) as err:
        difficulty_answer(actor=other_provider_user, difficulty=d, answer="x")
    assert err.value.code == "DIFF_FORBIDDEN"
    with pytest.raises(Refused) as err:  # provider → IT goes backwards
        difficulty_forward(actor=officer, difficulty=d, to="it")
    assert err.value.code == "DIFF_TRANSITION"
    difficulty_answer(actor=officer, difficulty=d, answer="Xong.")
    for action in (
        lambda: difficulty_answer(actor=officer, difficulty=d, answer="Lần hai"),
        lambda: difficulty_forward(actor=officer, difficulty=d, to="provider"),
    ):
        with pytest.raises(Refused) as err:
            action()
        assert err.value.code == "DIFF_TRANSITION"
    staffed = file_one(staff("receiving_officer", "7501"))  # no employer, no provider
    with pytest.raises(Refused) as err:
        difficulty_forward(actor=officer, difficulty=staffed, to="provider")
    assert err.value.code == "DIFF_NO_PROVIDER"


def test_the_summary_counts_by_category_and_office(client, units):
    bien_hoa, saigon, _v = units
    with time_machine.travel("2026-05-04 09:00 +0700", tick=False):
        a = file_one(employer_user(bien_hoa), bien_hoa, category="software")
        file_one(employer_user(bien_hoa), bien_hoa, category="software")
        file_one(employer_user(saigon), saigon, category="signature")
    with time_machine.travel("2026-05-04 13:00 +0700", tick=False):
        difficulty_answer(actor=staff("receiving_officer", "7501"), difficulty=a, answer="ok")
    with time_machine.travel("2026-06-02 09:00 +0700", tick=False):
        file_one(employer_user(bien_hoa), bien_hoa, category="other")  # outside May
        client.force_login(staff("central_leader", "00"))
        s = client.get(LIST + "tong-hop/", {"start": "2026-05-01", "end": "2026-05-31"}).context[
            "s"
        ]
        assert (s.total, s.answered, s.open, s.avg_response_hours) == (3, 1, 2, 4.0)
        assert s.by_category == {"software": 2, "signature": 1, "procedure": 0, "other": 0}
        assert [(o.code, cats, n) for o, cats, n in s.by_office] == [
            ("7501", [2, 0, 0, 0], 2),
            ("7901", [0, 1, 0, 0], 1),
        ]
        client.force_login(staff("provincial_admin", "79"))
        response = client.get(LIST + "tong-hop/", {"start": "2026-05-01", "end": "2026-05-31"})
        assert response.context["s"].total == 1
        assert "<svg" in response.content.decode()
        client.force_login(staff("receiving_officer", "7501"))
        assert client.get(LIST + "tong-hop/").status_code == 403


def test_the_monthly_summary_is_emailed_to_the_directors(units, django_capture_on_commit_callbacks):
    from declarations.difficulties.tasks import difficulty_summary_monthly

    bien_hoa, saigon, _v = units
    with time_machine.travel("2026-05-04 09:00 +0700", tick=False):
        file_one(employer_user(bien_hoa), bien_hoa, category="software")
        file_one(employer_user(saigon), saigon, category="signature")
    leader = staff("central_leader", "00", email="lanhdao@vss.example.vn")
    staff("provincial_admin", "79", email="giamdoc@hcm.example.vn")
    staff("receiving_officer", "7501", email="tiepnhan@dn.example.vn")  # not a director
    with time_machine.travel("2026-06-01 07:00 +0700", tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert difficulty_summary_monthly() == 2
        assert difficulty_summary_monthly() == 2  # idempotent: same keys, nothing new
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"lanhdao@vss.example.vn", "giamdoc@hcm.example.vn"}
    assert "Tổng số: 2" in by_to["lanhdao@vss.example.vn"].body
    assert "Tổng số: 1" in by_to["giamdoc@hcm.example.vn"].body  # HCMC only
    assert "01/05/2026" in by_to["giamdoc@hcm.example.vn"].subject
    assert (
        OutboxMessage.objects.filter(key__startswith=f"difficulty-summary-{leader.pk}-").count()
        == 1
    )


@pytest.mark.parametrize("url", [LIST, LIST + "can-tra-loi/", LIST + "tong-hop/"])
def test_lists_answer_in_a_constant_number_of_queries(
    client, units, url, django_assert_max_num_queries
):
    bien_hoa, saigon, _v = units
    client.force_login(staff("central_it", "00"))
    client.get(url)
    filers = [employer_user(bien_hoa), employer_user(saigon)]
    for i in range(30):
        file_one(filers[i % 2], [bien_hoa, saigon][i % 2], category=["software", "other"][i % 2])
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
