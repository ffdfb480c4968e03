"""A simulated year (mô phỏng một năm): employers register and file 600/600a/601/610, staff review,
closures are confirmed and pushed, personnel decisions take effect, quarterly account
reports fall due — with faults injected — and a compliance table at the end.

Time moves in one-hour steps under time-machine. Beat's jobs (closure push sweep,
outbox sweep, accounts lifecycle) run in this process at their simulated times, so they
see the simulated clock; killed workers and a restarted broker are proven by the fault
suite (``tests/faults/``), where real processes can be killed. The central store's API
is served over real HTTP from a thread of this process. Filing channels are pluggable
(``CHANNELS``): the browser upload page through Django's test client, and the I-VAN path.
"""

from __future__ import annotations

import http.server
import random
import secrets
import socket
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.utils import timezone

from accounts.audit import seal, verify_chain
from accounts.lifecycle import decision_record, lifecycle_run
from accounts.models import AccountReport, PersonnelDecision, Role, User
from accounts.reports import due_before, previous_quarter, report_get, report_submit
from accounts.selectors import office_resolve
from accounts.services import membership_grant
from central.models import CentralClosure
from closure_protocol.credentials import Credential, credentials_render
from closure_sync import push
from closure_sync.models import ClosureKind, ClosureRecord, PushState
from closure_sync.services import Period, closure_confirm, closure_draft_create
from core.outbox import services as outbox
from core.outbox.models import OutboxMessage, OutboxState
from declarations.dossiers.calendar_seed import holidays_seed, time_limits_seed
from declarations.dossiers.models import Dossier, DossierStatus, ProcedureTimeLimit, PublicHoliday
from declarations.dossiers.workdays import deadline_for
from declarations.employers.models import (
    Employer,
    EmployerChannel,
    EmployerMember,
    EStatus,
    Provider,
)
from declarations.employers.pki import demo_ca as pki
from declarations.employers.pki.signing import sign_dossier
from declarations.employers.procedures import procedure_get
from declarations.employers.registration_form import registration_form_signed
from declarations.employers.services import certificate_register
from declarations.intake.envelope import d02lt_build, envelope_build, tk1ts_build
from declarations.intake.money_tables import money_tables_seed
from declarations.intake.pipeline import intake_submit
from declarations.people.models import CardStatus, EmploymentSpell, HealthCard
from declarations.people.services import card_return_record
from declarations.review.services import dossier_transition
from ivan.models import WebhookEndpoint

try:
    import time_machine
except ImportError:  # in the test extra (a proof tool, not a service): ``simulate`` says so
    time_machine = None

VN = ZoneInfo("Asia/Ho_Chi_Minh")


# --- channels -------------------------------------------------------------------------------
def file_through_browser(world, employer, data: bytes):
    """The browser path: the employer's user posts the signed file to the upload page."""
    client = Client()
    client.force_login(world.clients[employer.pk])  # a fresh sign-in (sessions idle out)
    before = set(Dossier.objects.filter(employer=employer).values_list("pk", flat=True))
    response = client.post(
        "/giao-dich/nop/", {"file": SimpleUploadedFile("hoso.xml", data, "application/xml")}
    )
    if response.status_code != 302 or "/dang-nhap/" in response.get("Location", ""):
        errors = (response.context or {}).get("errors") or []
        world.tally.refusals[str(response.status_code)] += 1
        for e in errors:
            world.tally.refusals[e.get("code", "?")] += 1
        return None
    return Dossier.objects.filter(employer=employer).exclude(pk__in=before).first()


def file_through_ivan(world, employer, data: bytes):
    """The I-VAN path: the provider's submission through intake (the dossier endpoints of
    the I-VAN API call the same function; plug an HTTP client in here when they land)."""
    result = intake_submit(data=data, channel="ivan", provider=world.provider)
    for e in result.errors:
        world.tally.refusals[e.code] += 1
    return result.dossier if result.ok else None


CHANNELS = {"portal": file_through_browser, "ivan": file_through_ivan}


# --- helpers --------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Receiver(http.server.ThreadingHTTPServer):
    """An I-VAN provider's webhook receiver that can be made to fail."""

    daemon_threads = True

    def __init__(self):
        self.ids: list[str] = []
        self.failing = False
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)


class _ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.failing:
            self.send_response(500)
        else:
            self.server.ids.append(self.headers["webhook-id"])
            self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@dataclass
class Tally:
    receipts_at_once: int = 0
    dossiers: int = 0
    refused: int = 0
    reviews_in_time: int = 0
    reviews: int = 0
    closures: int = 0
    closures_in_time: int = 0
    decisions: int = 0
    locked_on_date: int = 0
    reports: int = 0
    reports_on_time: int = 0
    faults: list[str] = field(default_factory=list)
    by_channel: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    replayed: int = 0
    cards_issued: int = 0
    cards_on_time: int = 0
    cards_to_return: int = 0
    cards_returned: int = 0


class World:
    def __init__(self, *, days: int, employers: int, seed: int, out=print):
        self.days, self.n, self.rng, self.out = days, employers, random.Random(seed), out
        self.tally = Tally()
        self.clients: dict = {}  # employer id → its user on the portal
        self.work = Path(tempfile.mkdtemp(prefix="bhxh-sim-"))
        self.start = datetime.combine(timezone.localdate(), datetime.min.time(), VN) + timedelta(
            days=1
        )

    # -- set-up -----------------------------------------------------------------------------
    def setup(self):
        if not Role.objects.exists():
            call_command("loaddata", "offices", "roles", verbosity=0)
        money_tables_seed()
        if not ProcedureTimeLimit.objects.exists():  # a flushed test database
            holidays_seed(PublicHoliday)
            time_limits_seed(ProcedureTimeLimit)
        self.office = office_resolve("0101")
        self.province = office_resolve("01")
        self.ca = pki.ca_create(name="BHXH Simulation CA")
        self.trust = self.work / "trusted-ca"
        self.trust.mkdir()
        (self.trust / "ca.pem").write_bytes(self.ca.cert_pem)
        self.crl_publish()
        settings.TRUSTED_CA_DIR = self.trust
        # Staff.
        self.officer = self.user("sim_tiepnhan", "receiving_officer", self.office)
        self.collector = self.user("sim_thu", "collection_officer", self.office)
        self.admin = self.user("sim_qtv", "provincial_admin", self.province)
        self.it = self.user("sim_cntt", "it_staff", self.province)
        self.staff = [
            self.user(f"sim_canbo_{i}", "receiving_officer", self.office) for i in range(4)
        ]
        # The central store, over HTTP, with a credential file valid for the whole run.
        self.central_up()
        # An I-VAN provider with a webhook receiver.
        self.provider, _ = Provider.objects.get_or_create(
            code="SIMVAN", defaults={"name": "I-VAN mô phỏng"}
        )
        self.receiver = _Receiver()
        threading.Thread(target=self.receiver.serve_forever, daemon=True).start()
        WebhookEndpoint.objects.create(
            provider=self.provider,
            url=f"http://127.0.0.1:{self.receiver.server_address[1]}/hook",
            secret="whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )

    def user(self, username, role, office):
        user = User.objects.create(username=username, email=f"{username}@example.vn")
        membership_grant(actor=None, user=user, role=Role.objects.get(pk=role), office=office)
        return user

    def crl_publish(self):
        """The CA publishes a fresh CRL (every week of the run, as a licensed CA does)."""
        (self.trust / "ca.crl").write_bytes(pki.crl_create(self.ca, []))

    def central_up(self):
        cred = Credential(
            key_id="SIM2026",
            secret=secrets.token_hex(24),
            valid_from=self.start - timedelta(days=2),
            valid_until=self.start + timedelta(days=self.days + 30),
        )
        path = self.work / "central.ini"
        path.write_text(credentials_render(cred, None), encoding="utf-8")
        settings.CLOSURE_CREDENTIALS_FILE = str(path)
        settings.CENTRAL_CREDENTIALS_FILE = str(path)

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.central = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
        self.central.set_app(get_wsgi_application())
        threading.Thread(target=self.central.serve_forever, daemon=True).start()
        self.central_url = f"http://127.0.0.1:{self.central.server_address[1]}"
        settings.CLOSURE_CENTRAL_URL = self.central_url
        self.central_down_url = f"http://127.0.0.1:{_free_port()}"  # nothing listens

    def employer_register(self, k: int, via_ivan: bool):
        mst = f"01{k:08d}"
        employer = Employer.objects.create(
            unit_code=f"SIM{k:04d}",
            name=f"Công ty mô phỏng {k}",
            tax_code=mst,
            managing_office=self.office,
            wage_zone="I",
            e_status=EStatus.ACTIVE,
            e_registered_on=timezone.localdate(),
            contact_email=f"ketoan{k}@sim.example.vn",
        )
        issued = pki.employer_cert_create(
            self.ca,
            mst=mst,
            name=employer.name,
            not_before=timezone.now() - timedelta(days=1),
            not_after=self.start + timedelta(days=self.days + 60),
        )
        certificate_register(
            actor=None,
            employer=employer,
            data=issued.cert_pem,
            signed_form=registration_form_signed(
                employer=employer, key_pem=issued.key_pem, cert_pem=issued.cert_pem
            ),
        )
        employer.issued = issued
        if via_ivan:
            EmployerChannel.objects.create(employer=employer, provider=self.provider)
            employer.channel = "ivan"
        else:
            user = self.user(f"sim_dn_{k}", "employer_user", self.office)
            user.set_password("Sim#Password2026")
            user.save()
            EmployerMember.objects.create(employer=employer, user=user)
            self.clients[employer.pk] = user
            employer.channel = "portal"
        return employer

    # -- daily work ---------------------------------------------------------------------------
    def dossier_file(self, employer, n: int):
        """One dossier of the unit: mostly new hires (600), a decrease of a worker it has
        (600a), now and then a back-payment (601) or a lost card (610)."""
        month = timezone.localdate().strftime("%m/%Y")
        staff_now = list(
            EmploymentSpell.objects.filter(employer=employer, to_month__isnull=True)
            .values_list("person__number", flat=True)
            .order_by("person__number")[:50]
        )
        if staff_now and n % 11 == 4:
            procedure, files = (
                "610",
                [
                    (
                        "TK1-TS",
                        "TK1-TS.xml",
                        "xml",
                        tk1ts_build([{"MasoBHXH": self.rng.choice(staff_now), "LyDo": "MAT"}]),
                    )
                ],
            )
        else:
            procedure = "600" if n % 3 or not staff_now else "600a"
            if n % 13 == 7:
                procedure = "601"
            rows = [self._worker_row(employer, n, i, month) for i in range(2)]
            if procedure == "600a":
                rows = [
                    {**rows[0], "MasoBHXH": self.rng.choice(staff_now), "PA": "GH", "TyleDong": ""}
                ]
            elif procedure == "601":
                last = timezone.localdate().replace(day=1) - timedelta(days=1)
                first = (last - timedelta(days=40)).replace(day=1)
                rows = [
                    {**r, "TuThang": first.strftime("%m/%Y"), "DenThang": last.strftime("%m/%Y")}
                    for r in rows
                ]
            files = [("D02-LT", "D02-LT.xml", "xml", d02lt_build(rows))]
        xml = envelope_build(
            employer=employer, procedure=procedure_get(procedure), period=month, files=files
        )
        data = sign_dossier(xml, key_pem=employer.issued.key_pem, cert_pem=employer.issued.cert_pem)
        dossier = CHANNELS[employer.channel](self, employer, data)
        if dossier is None:
            self.tally.refused += 1
            return
        self.tally.dossiers += 1
        self.tally.by_channel[employer.channel] += 1
        receipt = dossier.notices.filter(kind="receipt").first()
        if receipt is not None and receipt.dossier_id == dossier.pk:
            self.tally.receipts_at_once += 1

    def _worker_row(self, employer, n: int, i: int, month: str) -> dict:
        number = (employer.pk * 100000 + n * 10 + i) % 10**10
        return {
            "HoTen": f"Người lao động {employer.unit_code} {n} {i}",
            "MasoBHXH": f"{number:010d}",
            "NgaySinh": "15/06/1990",
            "GioiTinh": str(i % 2),
            "CMND": f"{(employer.pk * 100000 + n * 10 + i) % 10**12:012d}",
            "ChucVu": "Công nhân",
            "NoiLamViec": "Hà Nội",
            "TienLuong": str(6_000_000 + i * 1000),
            "PhuCapCV": "0",
            "TuThang": month,
            "PA": "TM",
            "TyleDong": "32",
        }

    def cards_returned(self):
        """Units hand back most cards asked of them; the officer records each return."""
        for card in HealthCard.objects.filter(
            status=CardStatus.TO_RETURN, employer__unit_code__startswith="SIM"
        ):
            if self.rng.random() < 0.8:
                card_return_record(actor=self.officer, card=card)

    def reviews_work(self):
        """Staff take the dossiers received before today and decide them."""
        today_start = timezone.now().replace(hour=0, minute=0)
        for dossier in Dossier.objects.filter(
            status=DossierStatus.RECEIVED, sandbox=False, received_at__lt=today_start
        ):
            reviewer = self.rng.choice(self.staff + [self.officer])
            if not reviewer.is_active:
                reviewer = self.officer
            dossier_transition(actor=reviewer, dossier=dossier, to=DossierStatus.IN_REVIEW)
            dossier_transition(actor=reviewer, dossier=dossier, to=DossierStatus.ACCEPTED)
            limit = deadline_for(dossier.procedure_code, dossier.received_at)
            self.tally.reviews += 1
            if limit is None or timezone.now() <= _as_moment(limit):
                self.tally.reviews_in_time += 1
            if dossier.procedure_code == "600a":
                self.closure_confirm(dossier)
        self.cards_returned()

    def closure_confirm(self, dossier):
        """A decrease (600a) accepted: the collection officer closes the book (chốt sổ)."""
        month = timezone.localdate().replace(day=1)
        record = closure_draft_create(
            actor=self.collector,
            office=self.office,
            book_number=f"{dossier.pk:010d}",
            si_number=f"{dossier.pk:010d}",
            full_name=f"Người lao động hồ sơ {dossier.transaction_code}",
            birth_date=date(1990, 6, 15),
            unit_code=dossier.employer.unit_code,
            kind=ClosureKind.BHXH,
            periods=[Period(date(2020, 1, 1), month, Decimal("6000000"), Decimal("8.00"))],
        )
        closure_confirm(actor=self.collector, record=record, kick=False)
        self.tally.closures += 1

    def decisions_file(self, day_index: int):
        """Now and then a staff member retires; the decision takes effect a few days on."""
        active = [u for u in self.staff if u.is_active and not getattr(u, "leaving", None)]
        if not active:
            return
        person = active[0]
        person.leaving = timezone.localdate() + timedelta(days=3)
        decision_record(
            actor=self.admin,
            user=person,
            number=f"{day_index}/QĐ-BHXH",
            signed_on=timezone.localdate(),
            kind="retirement",
            effective_on=person.leaving,
        )
        self.tally.decisions += 1

    def dead_letters_replay(self):
        """IT staff's daily look at the outbox: replay what died while a receiver was down."""
        for message in OutboxMessage.objects.filter(state=OutboxState.DEAD):
            outbox.outbox_replay(actor=self.it, message=message)
            self.tally.replayed += 1

    def report_submit(self):
        year, quarter = previous_quarter(timezone.localdate())
        report = report_get(province=self.province, year=year, quarter=quarter)
        if report.submitted_at is None:
            report_submit(actor=self.admin, report=report)

    # -- beat's jobs, each simulated hour ------------------------------------------------------
    def hourly(self):
        while push.closure_push_due().pushed:
            pass
        while batch := outbox.outbox_claim(limit=200):
            for message in batch:
                outbox.outbox_deliver(message)
        if timezone.localtime().hour == 0:
            lifecycle_run(today=timezone.localdate())

    # -- the run ------------------------------------------------------------------------------
    def run(self):
        try:
            return self._run()
        finally:
            self.shutdown()

    def _run(self):
        with time_machine.travel(self.start, tick=False) as traveller:
            self.setup()
            employers = []
            down_from = self.start + timedelta(days=self.days // 2, hours=6)
            down_until = down_from + timedelta(hours=36)
            hook_from = self.start + timedelta(days=max(1, self.days // 3))
            hook_until = hook_from + timedelta(hours=20)
            self.tally.faults += [
                f"central store down {down_from:%d/%m %H:%M} → {down_until:%d/%m %H:%M} (36 h)",
                f"I-VAN webhook receiver answering 500 {hook_from:%d/%m %H:%M} → "
                f"{hook_until:%d/%m %H:%M} (20 h)",
            ]
            for hour in range(self.days * 24):
                now = self.start + timedelta(hours=hour)
                traveller.move_to(now)
                day = hour // 24
                settings.CLOSURE_CENTRAL_URL = (
                    self.central_down_url if down_from <= now < down_until else self.central_url
                )
                self.receiver.failing = hook_from <= now < hook_until
                local = timezone.localtime()
                if local.hour == 8:
                    if day % 7 == 0:
                        self.crl_publish()
                    # Employers register in the first days, half of them through I-VAN.
                    while len(employers) < self.n * min(day + 1, 3) // 3:
                        employers.append(
                            self.employer_register(len(employers), len(employers) % 2 == 1)
                        )
                if local.weekday() < 5 and local.hour == 9:
                    self.reviews_work()
                if local.weekday() < 5 and local.hour == 10:
                    for k, employer in enumerate(employers):
                        if self.rng.random() < 0.5:
                            self.dossier_file(employer, day * 1000 + k)
                if local.weekday() < 5 and local.hour == 13:
                    self.dead_letters_replay()
                if local.hour == 11 and day % 30 == 5:
                    self.decisions_file(day)
                if local.hour == 14 and local.day == 5 and local.month in (1, 4, 7, 10):
                    self.report_submit()
                self.hourly()
            # Two more days for the last reviews, pushes and retries to settle.
            for hour in range(48):
                traveller.move_to(self.start + timedelta(days=self.days, hours=hour))
                settings.CLOSURE_CENTRAL_URL = self.central_url
                self.receiver.failing = False
                if hour == 13:
                    self.dead_letters_replay()
                self.hourly()
            return self.tally_finish()

    def shutdown(self):
        """Stop the threads the run started (also after an error)."""
        for server in (getattr(self, "receiver", None), getattr(self, "central", None)):
            if server is not None:
                server.shutdown()

    def tally_finish(self):
        t = self.tally
        records = ClosureRecord.objects.filter(unit_code__startswith="SIM")
        pushed = records.filter(push_state=PushState.PUSHED)
        t.closures_in_time = sum(1 for r in pushed if r.pushed_at <= r.push_deadline)
        central = CentralClosure.objects.using("central").filter(unit_code__startswith="SIM")
        decisions = PersonnelDecision.objects.filter(user__username__startswith="sim_")
        t.decisions = decisions.count()
        for d in decisions.filter(status="applied"):
            on_date = d.applied_at and timezone.localdate(d.applied_at) == d.effective_on
            if on_date and not d.user.is_active:
                t.locked_on_date += 1
        reports = AccountReport.objects.filter(province=self.province, submitted_at__isnull=False)
        t.reports = reports.count()
        t.reports_on_time = sum(
            1 for r in reports if timezone.localdate(r.submitted_at) < due_before(r.year, r.quarter)
        )
        cards = HealthCard.objects.filter(employer__unit_code__startswith="SIM").select_related(
            "issued_by"
        )
        issued = [c for c in cards if c.issued_by is not None]
        t.cards_issued = len(issued)
        t.cards_on_time = sum(1 for c in issued if c.issued_by.on_time)
        asked = [c for c in cards if c.return_asked_by_id is not None]
        t.cards_to_return = len(asked)
        t.cards_returned = sum(1 for c in asked if c.status == CardStatus.RETURNED)
        counts = {
            "dossiers stored": Dossier.objects.filter(
                employer__unit_code__startswith="SIM"
            ).count(),
            "dossiers answered with a receipt": t.dossiers,
            "closures confirmed": records.count(),
            "closures at central": central.count(),
            "closures at central twice": records.count()
            - central.values("reference", "version").distinct().count(),
            "closures not pushed": records.exclude(push_state=PushState.PUSHED).count(),
            "outbox rows not sent": OutboxMessage.objects.exclude(state=OutboxState.SENT).count(),
            # Every event queued for the provider's endpoint is one outbox row (one event id),
            # whichever subscriber queued it.
            "webhook events": OutboxMessage.objects.filter(kind="ivan.webhook").count(),
            "webhook events received": len(set(self.receiver.ids)),
            "dead letters replayed by IT staff": t.replayed,
        }
        seal()
        chain = verify_chain()
        counts["audit entries in the chain"] = chain.checked
        counts["audit chain broken at"] = chain.broken_id or "—"
        lost = (
            (counts["dossiers answered with a receipt"] - counts["dossiers stored"])
            + (counts["closures confirmed"] - counts["closures at central"])
            + counts["closures not pushed"]
            + counts["outbox rows not sent"]
            + (counts["webhook events"] - counts["webhook events received"])
        )
        duplicated = counts["closures at central twice"] + max(
            0, counts["closures at central"] - counts["closures confirmed"]
        )
        return {"tally": t, "counts": counts, "lost": lost, "duplicated": duplicated}


def _as_moment(limit) -> datetime:
    if isinstance(limit, datetime):
        return limit
    return datetime.combine(limit, datetime.max.time(), VN)


def table(result: dict) -> str:
    """The compliance table, as printed by ``manage.py simulate``."""
    t: Tally = result["tally"]

    def share(ok, total):
        return f"{ok}/{total} ({100 * ok / total:.1f} %)" if total else "—"

    lines = [
        "| deadline | met |",
        "|---|---|",
        f"| receipts issued at once (same transaction) | {share(t.receipts_at_once, t.dossiers)} |",
        f"| reviews within their working-day limits | {share(t.reviews_in_time, t.reviews)} |",
        "| closures pushed within 2 days | "
        f"{share(t.closures_in_time, result['counts']['closures confirmed'])} |",
        f"| accounts locked on their effective date | {share(t.locked_on_date, t.decisions)} |",
        f"| quarterly account reports on time | {share(t.reports_on_time, t.reports)} |",
        f"| cards issued on time (decided within the limit) | {share(t.cards_on_time, t.cards_issued)} |",
        f"| cards to return, returned | {share(t.cards_returned, t.cards_to_return)} |",
        "",
        "| count | value |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in result["counts"].items()),
        f"| dossiers by channel | {dict(t.by_channel)} |",
        f"| refused submissions | {t.refused} {dict(t.refusals) or ''} |",
        f"| **lost** | **{result['lost']}** |",
        f"| **duplicated** | **{result['duplicated']}** |",
        "",
        "Faults injected: " + "; ".join(t.faults),
    ]
    return "\n".join(lines)
