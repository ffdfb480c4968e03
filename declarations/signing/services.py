"""Signing sessions: prepare, start (certificate checked, round 1 handed out), accept each
round's values (verified over the session's digests), assemble and run the one intake.

A session is bound to its user and to the unsigned document's SHA-256, and signs once: it
moves prepared → round1 → round2 → submitting → done, or to failed (it may then be started
again, with a new signing time, until the prepared document expires). A value that does not
verify over the digest the session handed out is refused and nothing is stored; the dossier
row is written only by intake, once every value verified.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.scope import may_reach
from core.db import instances_fetch, row_update, select_columns
from core.refusals import Problem, Refused, err
from declarations.employers.channel_forms import (
    CHANGE_FORM,
    STOP_FORM,
    change_form_build,
    stop_form_build,
)
from declarations.employers.models import Employer, EmployerChannel, Provider, RegisteredCertificate
from declarations.employers.registration_form import (
    registration_form_build,
    registration_form_of_employer,
)
from declarations.employers.services import certificate_check as new_certificate_check
from declarations.employers.services import (
    certificate_register,
    channel_form_submit,
    registration_submit,
)
from declarations.intake.pipeline import intake_submit
from declarations.signing import layout
from declarations.signing.errors import SigningRefused
from declarations.signing.models import (
    Kind,
    Method,
    RemoteSigningAccount,
    SigningSession,
    State,
)

log = structlog.get_logger(__name__)

RESTARTABLE = frozenset({State.PREPARED, State.ROUND1, State.ROUND2, State.FAILED})
# What a start writes (not the document, kept from the preparation).
STARTED_FIELDS = (
    "method",
    "certificate",
    "certificate_der",
    "remote",
    "remote_request",
    "signing_time",
    "forms",
    "forms_signed",
    "form_values",
    "error_code",
    "expires_at",
    "state",
    "expected",
)
FORM_PART = "04-DK-IVAN"
SINGLE_FORM = frozenset({Kind.RENEWAL, Kind.REGISTRATION})
# The unit's 05/SD-IVAN and 06/NG-IVAN: one form each, signed with the registered certificate
# (token or remote) or sent with the trial credential.
CHANNEL_FORMS = {Kind.CHANGE: CHANGE_FORM, Kind.STOP: STOP_FORM}
ONE_FORM = SINGLE_FORM | frozenset(CHANNEL_FORMS)


@dataclass(frozen=True)
class Browser:
    """Who owns a registration's session on the public page: the browser, by the SHA-256 of
    its session key (there is no user yet)."""

    key: str
    is_authenticated = False

    @classmethod
    def of(cls, session_key: str) -> Browser:
        return cls(hashlib.sha256(session_key.encode()).hexdigest())


@dataclass
class Step:
    """What the page does next: sign ``digests`` (round 1 or 2) with the signer, wait for
    the remote approval (``pending``), or go to the receipt (``dossier_id``); or show the
    intake's ``errors``."""

    session: SigningSession
    digests: list[dict] = field(default_factory=list)
    pending: bool = False
    dossier_id: int | None = None
    transaction_code: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    renewed: bool = False
    registration_id: int | None = None
    channel_form: str = ""  # the 05/SD-IVAN or 06/NG-IVAN applied


def _now() -> datetime:
    return timezone.now().astimezone(UTC)


def signing_prepare(*, user, employer, data: bytes, supplement_of: str = "") -> SigningSession:
    """Keep the unsigned dossier for ``user`` to sign: an envelope of their own unit."""
    if not may_reach(user, employer, permission="accounts.submit_dossiers"):
        raise SigningRefused("CHANNEL_FORBIDDEN")
    document = layout.document_read(data)
    if document.facts["unit_code"] != employer.unit_code:
        raise SigningRefused("signing.document_foreign", value=document.facts["unit_code"] or "—")
    now = _now()
    return SigningSession.objects.create(
        user=user,
        employer=employer,
        document=data,
        document_sha256=hashlib.sha256(data).hexdigest(),
        summary=document.summary(),
        supplement_of=supplement_of,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SIGNING_PREPARED_SECONDS),
    )


def signing_prepare_channel(
    *, user, employer, kind: str, changes: dict | None = None, reason: str = ""
) -> SigningSession:
    """Keep the unit's unsigned 05/SD-IVAN (``changes``: employer field → new value) or
    06/NG-IVAN (stop its provider, or the portal, with ``reason``) for ``user`` to sign."""
    if kind not in CHANNEL_FORMS:
        raise SigningRefused("signing.method_unavailable", value=str(kind)[:20])
    if not may_reach(user, employer, permission="accounts.submit_dossiers"):
        raise SigningRefused("CHANNEL_FORBIDDEN")
    if kind == Kind.CHANGE:
        data = change_form_build(employer=employer, changes=changes or {})
    else:
        channel = (
            EmployerChannel.objects.filter(employer=employer).select_related("provider").first()
        )
        data = stop_form_build(
            employer=employer, provider=channel.provider if channel else None, reason=reason
        )
    now = _now()
    session = SigningSession(
        user=user,
        employer=employer,
        kind=kind,
        document=data,
        document_sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SIGNING_PREPARED_SECONDS),
    )
    session.summary = session_summary(session)
    session.save(force_insert=True)
    return session


def session_summary(session: SigningSession) -> str:
    """What the signer (and the remote service's approval) shows about what is signed."""
    unit = session.employer.unit_code
    if session.kind in SINGLE_FORM:
        what = "chứng thư số mới" if session.kind == Kind.RENEWAL else "giao dịch điện tử"
        return f"Tờ khai 04/ĐK-IVAN — đăng ký {what} của đơn vị {unit}"
    if session.kind == Kind.CHANGE:
        return f"Tờ khai 05/SD-IVAN — thay đổi thông tin giao dịch điện tử của đơn vị {unit}"
    if session.kind == Kind.STOP:
        return f"Tờ khai 06/NG-IVAN — ngừng giao dịch điện tử của đơn vị {unit}"
    # Kept since the preparation (a session prepared before the column: read again).
    return session.summary or layout.document_read(bytes(session.document)).summary()


def signing_prepare_renewal(*, user, employer) -> SigningSession:
    """A session to register a new certificate from the token: its 04/ĐK-IVAN, built once
    the certificate is chosen, signed with it is the proof of possession."""
    if not may_reach(user, employer, permission="accounts.submit_dossiers"):
        raise SigningRefused("CHANNEL_FORBIDDEN")
    now = _now()
    return SigningSession.objects.create(
        user=user,
        employer=employer,
        kind=Kind.RENEWAL,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SIGNING_PREPARED_SECONDS),
    )


def signing_prepare_registration(*, owner, employer, fields: dict) -> SigningSession:
    """A session to sign a registration's 04/ĐK-IVAN with the certificate on the token:
    ``fields`` are the registration's (``provider`` as its id), checked by the page's form;
    ``owner`` the browser (a :class:`Browser`) or the signed-in user."""
    now = _now()
    return SigningSession.objects.create(
        user=None if isinstance(owner, Browser) else owner,
        browser=owner.key if isinstance(owner, Browser) else "",
        employer=employer,
        kind=Kind.REGISTRATION,
        payload=fields,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.SIGNING_PREPARED_SECONDS),
    )


def session_get(*, user, session_id, lock: bool = False) -> SigningSession:
    """The user's (or, for a registration, the browser's) own session; another's is as
    unknown as a made-up id. ``lock``: locked for the step's transaction, which then commits
    without waiting for the WAL flush (see :func:`_session_sql`)."""
    if isinstance(user, Browser):
        owner = {"user": None, "browser": user.key}
    elif getattr(user, "is_authenticated", False):
        owner = {"user": user}
    else:
        raise SigningRefused("signing.session_unknown")
    key = session_id_parse(session_id)
    if key is None:
        raise SigningRefused("signing.session_unknown")
    if connection.vendor == "postgresql":
        # Unflushed only when the step's transaction is the outermost: inside another one
        # (a caller's, a test's) the setting would hold for all that it writes.
        unflushed = lock and connection.in_atomic_block and not connection.savepoint_ids
        found = instances_fetch(
            _session_sql(browser=isinstance(user, Browser), lock=lock, unflushed=unflushed),
            [key, user.key if isinstance(user, Browser) else user.pk],
            (SigningSession, Employer),
        )
        session = None
        if found:
            session, session.employer = found[0][:2]
    else:
        session = _session_query(owner, key, lock=lock).first()
    if session is None:
        raise SigningRefused("signing.session_unknown")
    if not isinstance(user, Browser):
        session.user = user  # the row's own user (filtered on): intake's actor, not re-read
    return session


def _session_query(owner: dict, key: uuid.UUID, *, lock: bool):
    found = SigningSession.objects.filter(pk=key, **owner)
    if lock:
        found = found.select_for_update(of=("self",))
    return found.select_related("employer")


@functools.cache
def _session_sql(*, browser: bool, lock: bool, unflushed: bool = False) -> str:
    """:func:`_session_query` written out (each step reads its session: compiling the ORM's
    query cost more than running it). ``unflushed``: the read also sets ``synchronous_commit``
    off for its transaction (``set_config(…, true)`` is ``SET LOCAL``), in the same round
    trip, so the step's commit does not wait for the WAL flush (≈ 0.5–2 ms here): a step a
    crash loses is redone by the user, and the dossier's commit, synchronous and later in the
    WAL, makes the claim before it durable, so a session still signs once.
    tests/declarations/signing/test_signing_queries.py holds the two to the same answers."""
    q = connection.ops.quote_name
    owner = "s.user_id IS NULL AND s.browser = %s" if browser else "s.user_id = %s"
    return (
        f"SELECT {select_columns(SigningSession, 's')}, {select_columns(Employer, 'e')}"  # noqa: S608  (names from the models' metadata, values as parameters)
        + (", set_config('synchronous_commit', 'off', true)" if unflushed else "")
        + f" FROM {q(SigningSession._meta.db_table)} s "
        f"JOIN {q(Employer._meta.db_table)} e ON e.id = s.employer_id "
        f"WHERE s.id = %s AND {owner}" + (" FOR UPDATE OF s" if lock else "")
    )


def _document(session: SigningSession) -> bytes:
    data = bytes(session.document)
    if hashlib.sha256(data).hexdigest() != session.document_sha256:
        raise SigningRefused("signing.document_changed")
    return data


def certificate_check(*, employer, der: bytes, at: datetime) -> RegisteredCertificate:
    """The employer's registered certificate with these DER bytes, in force and valid at
    ``at``: checked before any digest is handed out."""
    fingerprint = RegisteredCertificate.fingerprint_of(der)
    if connection.vendor == "postgresql":
        found = instances_fetch(
            _certificate_sql(), [employer.pk, fingerprint], (RegisteredCertificate,)
        )
        record = found[0][0] if found else None
    else:
        record = _certificate_query(employer.pk, fingerprint).first()
    if record is None:
        raise SigningRefused("signing.certificate_unregistered")
    if record.replaced_at is not None and record.replaced_at <= at:
        raise SigningRefused(
            "signing.certificate_replaced",
            date=timezone.localtime(record.replaced_at).strftime("%d/%m/%Y"),
        )
    if not (record.not_before <= at <= record.not_after):
        raise SigningRefused(
            "signing.certificate_invalid",
            start=timezone.localtime(record.not_before).strftime("%d/%m/%Y"),
            end=timezone.localtime(record.not_after).strftime("%d/%m/%Y"),
        )
    return record


def _certificate_query(employer_id: int, fingerprint: str):
    return RegisteredCertificate.objects.filter(
        employer_id=employer_id, fingerprint=fingerprint
    ).order_by("replaced_at")


@functools.cache
def _certificate_sql() -> str:
    """:func:`_certificate_query`'s first row, written out (as :func:`_session_sql`)."""
    q = connection.ops.quote_name
    return (
        f"SELECT {select_columns(RegisteredCertificate, 'r')} "  # noqa: S608  (names from the models' metadata, values as parameters)
        f"FROM {q(RegisteredCertificate._meta.db_table)} r "
        "WHERE r.employer_id = %s AND r.fingerprint = %s ORDER BY r.replaced_at LIMIT 1"
    )


def _digest_list(ids: list[str], digests: list[bytes]) -> list[dict]:
    return [{"id": i, "sha256": layout.b64(d)} for i, d in zip(ids, digests, strict=True)]


def signing_start(
    *, user, session_id, method: str, certificate_der: bytes = b"", remote_id: int | None = None
) -> Step:
    """Start (or start again) signing the session's document with ``method``: the
    certificate checked first, then the signing time fixed and round 1's digests (the
    forms'; the envelope's at once when it carries no XML form) handed out."""
    now = _now()
    session = session_get(user=user, session_id=session_id)
    if session.kind in SINGLE_FORM:
        with transaction.atomic():
            session = session_get(user=user, session_id=session_id, lock=True)
            _start_check(session, now)
            return _form_start(session, method=method, der=certificate_der, now=now)
    # Read without a row lock: the start's write is conditional on the state and the start
    # read (:func:`_session_write`), so a start racing a round or another start loses cleanly.
    session.read_state, session.read_expires = session.state, session.expires_at
    _start_check(session, now)
    remote = None
    if method == Method.REMOTE:
        remote = RemoteSigningAccount.objects.filter(
            pk=remote_id, employer=session.employer
        ).first()
        if remote is None:
            raise SigningRefused("signing.method_unavailable", value=str(remote_id or "—"))
        certificate_der = bytes(remote.certificate.der)
    elif method != Method.TOKEN:
        raise SigningRefused("signing.method_unavailable", value=method[:20] or "—")
    record = certificate_check(employer=session.employer, der=certificate_der, at=now)
    data = _document(session)
    signing_time = now.replace(microsecond=0)
    cert_pem = layout.cert_pem_of(certificate_der)
    if session.kind in CHANNEL_FORMS:
        digest = layout.single_form_digest(data, cert_pem=cert_pem, signing_time=signing_time)
        session.method, session.certificate = method, record
        session.certificate_der, session.remote = certificate_der, remote
        session.remote_request, session.signing_time = "", signing_time
        session.forms, session.forms_signed, session.form_values = [], b"", []
        session.error_code = ""
        session.expires_at = now + timedelta(seconds=settings.SIGNING_SESSION_SECONDS)
        session.state = State.ROUND2
        part = CHANNEL_FORMS[session.kind].replace("/", "-")
        session.expected = _digest_list([part], [digest])
        _session_write(session, STARTED_FIELDS)
        forms = []
    else:
        session = _dossier_start(
            session,
            data,
            method=method,
            record=record,
            der=certificate_der,
            remote=remote,
            cert_pem=cert_pem,
            signing_time=signing_time,
            now=now,
        )
        forms = session.forms
    log.info("signing_started", session_id=str(session.pk), method=method, forms=len(forms))
    step = Step(session, digests=session.expected)
    if method == Method.REMOTE:
        return _remote_authorize(session)
    return step


def _start_check(session: SigningSession, now: datetime) -> None:
    if session.state not in RESTARTABLE:
        raise SigningRefused("signing.session_used")
    if session.created_at + timedelta(seconds=settings.SIGNING_PREPARED_SECONDS) <= now:
        raise SigningRefused("signing.session_expired")


def _dossier_start(
    session: SigningSession,
    data: bytes,
    *,
    method,
    record,
    der,
    remote,
    cert_pem,
    signing_time,
    now,
) -> SigningSession:
    """A dossier's start (see :func:`signing_start`): round 1's digests are its forms'."""
    # One parse: the parts are read from the tree before its forms are signed in it.
    document, forms, prepared = layout.forms_prepare_read(
        data, cert_pem=cert_pem, signing_time=signing_time
    )
    session.method = method
    session.certificate = record
    session.certificate_der = der
    session.remote = remote
    session.remote_request = ""
    session.signing_time = signing_time
    session.forms = [layout.b64(d) for d in forms]
    session.form_values = []
    session.error_code = ""
    session.expires_at = now + timedelta(seconds=settings.SIGNING_SESSION_SECONDS)
    if forms:
        session.state = State.ROUND1
        session.expected = _digest_list([p.id for p in document.parts], forms)
        session.forms_signed = prepared
    else:
        # No XML form: the envelope as it is, at once.
        session.state = State.ROUND2
        envelope, session.forms_signed = layout.envelope_prepare(
            prepared, [], cert_pem=cert_pem, signing_time=signing_time
        )
        session.expected = _digest_list(["envelope"], [envelope])
    _session_write(session, STARTED_FIELDS)
    return session


def _registration_fields(session: SigningSession) -> dict:
    fields = dict(session.payload)
    provider = fields.pop("provider", None)
    fields["provider"] = Provider.objects.filter(pk=provider).first() if provider else None
    return fields


def _form_start(session: SigningSession, *, method: str, der: bytes, now) -> Step:
    """A renewal or a registration signs one form, the 04 for the chosen (new) certificate,
    checked first as an upload is (valid, chained, not revoked, for signing, the unit's
    MST)."""
    if method != Method.TOKEN:
        raise SigningRefused("signing.method_unavailable", value=method[:20] or "—")
    certificate = new_certificate_check(data=der, tax_code=session.employer.tax_code, at=now)
    if session.kind == Kind.RENEWAL:
        data = registration_form_of_employer(employer=session.employer, certificate=certificate)
    else:
        data = registration_form_build(
            unit_code=session.employer.unit_code,
            certificate=certificate,
            **_registration_fields(session),
        )
    signing_time = now.replace(microsecond=0)
    digest = layout.single_form_digest(
        data, cert_pem=layout.cert_pem_of(der), signing_time=signing_time
    )
    session.method = method
    session.certificate = None
    session.certificate_der = der
    session.document = data
    session.document_sha256 = hashlib.sha256(data).hexdigest()
    session.signing_time = signing_time
    session.forms = []
    session.form_values = []
    session.error_code = ""
    session.expires_at = now + timedelta(seconds=settings.SIGNING_SESSION_SECONDS)
    session.state = State.ROUND2
    session.expected = _digest_list([FORM_PART], [digest])
    session.save()
    log.info("signing_started", session_id=str(session.pk), method=method, kind=session.kind)
    return Step(session, digests=session.expected)


def _fail(session: SigningSession, code: str) -> None:
    """Record why the session stopped (in its own write: the refusal rolls the step back)."""
    SigningSession.objects.filter(pk=session.pk, state__in=RESTARTABLE).update(
        state=State.FAILED, error_code=code[:60]
    )
    log.info("signing_failed", session_id=str(session.pk), code=code)


def _values_check(session: SigningSession, signatures: list[dict]) -> list[bytes]:
    """The values for the round's digests, in their order, each verified with the session's
    certificate over the digest the session handed out."""
    given: dict[str, str] = {}
    for item in signatures if isinstance(signatures, list) else []:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            given[item["id"]] = item.get("value")
    wanted = [e["id"] for e in session.expected]
    if set(given) != set(wanted):
        missing = sorted(set(wanted) ^ set(given))
        raise SigningRefused(err("signing.signature_missing", detail=", ".join(missing)[:200]))
    certificate = layout.certificate_of(bytes(session.certificate_der))
    values = []
    for expected in session.expected:
        try:
            value = base64.b64decode(given[expected["id"]] or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise SigningRefused("signing.signature_invalid") from None
        digest = base64.b64decode(expected["sha256"])
        if not layout.value_verify(certificate, digest=digest, value=value):
            raise SigningRefused("signing.signature_invalid")
        values.append(value)
    return values


def signing_round_complete(*, user, session_id, round_no: int, signatures: list[dict]) -> Step:
    """Take the signer's values for round ``round_no``: round 1 gives the envelope's digest
    to sign next; round 2 assembles the signed dossier and runs intake.

    No row lock: the session is read (the user's own), its values verified, and the round's
    write is conditional on the state and the start it read (:func:`_session_write`), so of
    two posts of the same round one writes and the other is refused — the same single use as
    a locked read, in two statements instead of four (BEGIN, SELECT … FOR UPDATE, UPDATE,
    COMMIT)."""
    session = None
    try:
        session = session_get(user=user, session_id=session_id)
        session.read_state, session.read_expires = session.state, session.expires_at
        if session.method != Method.TOKEN:
            raise SigningRefused("signing.session_state")
        return _round_accept(session, round_no=round_no, values=signatures)
    except Refused as refusal:
        if session is not None and refusal.code.startswith("signing.signature"):
            _fail(session, refusal.code)
        raise


def _round_accept(session: SigningSession, *, round_no: int, values) -> Step:
    """One round's values into ``session``: read under its lock (the remote poll) or read
    without it and written only if unchanged since (a token round, see
    :func:`signing_round_complete`); a list of raw values (the remote signer's answer) is
    taken in the order of the digests."""
    if session.state in (State.SUBMITTING, State.DONE):
        raise SigningRefused("signing.session_used")
    if session.round == 0 or session.round != round_no:
        raise SigningRefused("signing.session_state")
    if session.expires_at <= _now():
        raise SigningRefused("signing.session_expired")
    if values and isinstance(values[0], bytes | bytearray):
        values = [
            {"id": e["id"], "value": layout.b64(v)}
            for e, v in zip(session.expected, values, strict=False)
        ]
    checked = _values_check(session, values)
    if session.kind in ONE_FORM:
        cert_pem = layout.cert_pem_of(bytes(session.certificate_der))
        signed = layout.single_form_assemble(
            _document(session),
            cert_pem=cert_pem,
            signing_time=session.signing_time,
            digest=base64.b64decode(session.expected[0]["sha256"]),
            value=checked[0],
        )
        return _claimed(session, signed)
    if session.state == State.ROUND1:
        cert_pem = layout.cert_pem_of(bytes(session.certificate_der))
        # The values go into the forms the start signed with the placeholder (over the
        # digests just verified): the forms are not signed a second time.
        envelope, session.forms_signed = layout.envelope_prepare(
            bytes(session.forms_signed),
            checked,
            cert_pem=cert_pem,
            signing_time=session.signing_time,
        )
        session.form_values = [layout.b64(v) for v in checked]
        session.expected = _digest_list(["envelope"], [envelope])
        session.state = State.ROUND2
        session.remote_request = ""
        _session_write(
            session, ("forms_signed", "form_values", "expected", "state", "remote_request")
        )
        return Step(session, digests=session.expected)
    # The value verified over the digest of the SignedInfo kept in the prepared dossier.
    return _claimed(session, layout.envelope_fill(bytes(session.forms_signed), checked[0]))


def _claimed(session: SigningSession, signed: bytes) -> Step:
    """Claimed under the lock: a second post of the same values finds the session used."""
    session.state = State.SUBMITTING
    session.used_at = _now()
    _session_write(session, ("state", "used_at"))
    session.signed = signed
    return Step(session)


def _session_write(
    session: SigningSession, fields: tuple[str, ...], *, unflushed: bool = False
) -> None:
    """Write a step's ``fields``. A session read under its row lock (the remote poll) is
    written as it is; one read without (``read_state``: a token step) only if it is still
    in the state and the start it was read in (``expires_at`` changes with every start),
    else the step is refused as the state it lost to says. Written here, the statement's
    commit does not wait for the WAL flush on PostgreSQL (see :func:`_session_sql`);
    ``unflushed`` asks that of an unguarded write too."""
    state = getattr(session, "read_state", None)
    if state is None and not unflushed:
        row_update(session, fields)
        return
    targets = [SigningSession._meta.get_field(name) for name in fields]
    params = [f.get_db_prep_save(f.pre_save(session, False), connection) for f in targets]
    params.append(SigningSession._meta.pk.get_db_prep_value(session.pk, connection))
    if state is not None:
        expires = SigningSession._meta.get_field("expires_at")
        params += [state, expires.get_db_prep_value(session.read_expires, connection)]
    with connection.cursor() as cursor:
        cursor.execute(
            _session_write_sql(fields, connection.vendor, guarded=state is not None), params
        )
        written = cursor.rowcount
    if state is not None and written != 1:
        now = SigningSession.objects.filter(pk=session.pk).values_list("state", flat=True).first()
        used = now in (State.SUBMITTING, State.DONE)
        raise SigningRefused("signing.session_used" if used else "signing.session_state")


@functools.cache
def _session_write_sql(fields: tuple[str, ...], vendor: str, *, guarded: bool) -> str:
    q = connection.ops.quote_name
    table = q(SigningSession._meta.db_table)
    columns = [SigningSession._meta.get_field(name).column for name in fields]
    assignments = ", ".join(f"{q(c)} = %s" for c in columns)
    # A one-row FROM item sets synchronous_commit off for this statement's own transaction
    # (``set_config(…, true)`` is ``SET LOCAL``; the commit reads it before it is undone).
    unflushed = (
        " FROM (SELECT set_config('synchronous_commit', 'off', true)) AS c"
        if vendor == "postgresql"
        else ""
    )
    where = f"{table}.{q('id')} = %s"
    if guarded:
        where += f" AND {table}.{q('state')} = %s AND {table}.{q('expires_at')} = %s"
    return f"UPDATE {table} SET {assignments}{unflushed} WHERE {where}"  # noqa: S608  (names from the model's metadata, values as parameters)


def signing_submit(step: Step) -> Step:
    """Run the assembled dossier through intake (channel portal), after the claim is
    committed; the session ends done (with its dossier) or failed (with intake's errors)."""
    session = step.session
    signed = getattr(session, "signed", None)
    if signed is None:
        return step
    if session.kind == Kind.RENEWAL:
        return _renewal_submit(session, signed)
    if session.kind == Kind.REGISTRATION:
        return _registration_submit(session, signed)
    if session.kind in CHANNEL_FORMS:
        return _channel_submit(session, signed)
    result = intake_submit(
        data=signed,
        channel="portal",
        actor=session.user,
        supplement_of=session.supplement_of or None,
    )
    if not result.ok:
        SigningSession.objects.filter(pk=session.pk).update(
            state=State.FAILED, error_code=result.errors[0].code[:60]
        )
        log.info("signing_intake_refused", session_id=str(session.pk))
        return Step(session, errors=result.errors)
    session.state, session.dossier_id = State.DONE, result.dossier.pk
    # Unflushed, as a step's write: the dossier's own commit (flushed) is what counts; a crash
    # that loses this leaves the session claimed (it signs nothing more) and the dossier
    # in the unit's list.
    session.read_state = None
    _session_write(session, ("state", "dossier_id"), unflushed=True)
    log.info("signing_done", session_id=str(session.pk), dossier_id=result.dossier.pk)
    return Step(
        session,
        dossier_id=result.dossier.pk,
        transaction_code=result.dossier.transaction_code,
        warnings=result.warnings,
    )


def _renewal_submit(session: SigningSession, signed: bytes) -> Step:
    """Register the new certificate with the signed 04 as its proof of possession."""
    try:
        certificate_register(
            actor=session.user,
            employer=session.employer,
            data=bytes(session.certificate_der),
            signed_form=signed,
        )
    except Refused as refusal:
        SigningSession.objects.filter(pk=session.pk).update(
            state=State.FAILED, error_code=refusal.code[:60]
        )
        return Step(session, errors=refusal.errors)
    SigningSession.objects.filter(pk=session.pk).update(state=State.DONE)
    log.info("signing_done", session_id=str(session.pk), kind=session.kind)
    return Step(session, renewed=True)


def _registration_submit(session: SigningSession, signed: bytes) -> Step:
    """Submit the registration with the signed 04 as its proof of possession."""
    try:
        with transaction.atomic():
            registration = registration_submit(
                employer=session.employer,
                data={**_registration_fields(session)},
                cert_data=bytes(session.certificate_der),
                signed_form=signed,
            )
    except Refused as refusal:
        SigningSession.objects.filter(pk=session.pk).update(
            state=State.FAILED, error_code=refusal.code[:60]
        )
        return Step(session, errors=refusal.errors)
    SigningSession.objects.filter(pk=session.pk).update(state=State.DONE, registration=registration)
    log.info("signing_done", session_id=str(session.pk), kind=session.kind)
    return Step(session, registration_id=registration.pk)


def _channel_submit(session: SigningSession, data: bytes, trial_secret: str | None = None) -> Step:
    """Apply the unit's 05 or 06 (signed, or with the trial credential): read as signed and
    applied in one transaction by the employers' service; refused, nothing changes."""
    try:
        form, _employer = channel_form_submit(
            actor=session.user, employer=session.employer, data=data, trial_secret=trial_secret
        )
    except Refused as refusal:
        SigningSession.objects.filter(pk=session.pk).update(
            state=State.FAILED, used_at=None, error_code=refusal.code[:60]
        )
        log.info("signing_channel_refused", session_id=str(session.pk), code=refusal.code)
        return Step(session, errors=refusal.errors)
    SigningSession.objects.filter(pk=session.pk).update(state=State.DONE)
    log.info("signing_done", session_id=str(session.pk), kind=session.kind)
    return Step(session, channel_form=form.form)


def signing_round(*, user, session_id, round_no: int, signatures: list[dict]) -> Step:
    """:func:`signing_round_complete`, then intake when the round was the last."""
    return signing_submit(
        signing_round_complete(
            user=user, session_id=session_id, round_no=round_no, signatures=signatures
        )
    )


# --- remote signing (CSC API; the client is declarations.signing.csc_client) ----------------
def _csc():
    from declarations.signing import csc_client  # the CSC client, its own module

    return csc_client


def _provider(session: SigningSession):
    providers = _csc().csc_providers()
    provider = providers.get(session.remote.provider)
    if provider is None:
        raise SigningRefused("signing.method_unavailable", value=session.remote.provider)
    return provider


def _credential_id(session: SigningSession, provider) -> str:
    remote = session.remote
    if remote.credential_id:
        return remote.credential_id
    der = bytes(remote.certificate.der)
    for credential in _csc().csc_credentials_list(provider, user_ref=remote.user_ref):
        if bytes(getattr(credential, "certificate", b"") or b"") == der:
            RemoteSigningAccount.objects.filter(pk=remote.pk).update(credential_id=credential.id)
            remote.credential_id = credential.id
            return credential.id
    raise SigningRefused("signing.certificate_unregistered")


def _remote_authorize(session: SigningSession) -> Step:
    """Ask the CA's service for the user's approval of this round's digests."""
    try:
        provider = _provider(session)
        _document(session)  # unchanged since it was prepared
        request_id = _csc().csc_authorize_start(
            provider,
            credential_id=_credential_id(session, provider),
            user_ref=session.remote.user_ref,
            hashes=[base64.b64decode(e["sha256"]) for e in session.expected],
            description=session_summary(session),
        )
    except Refused as refusal:
        _fail(session, refusal.code)
        raise
    SigningSession.objects.filter(pk=session.pk).update(remote_request=request_id)
    session.remote_request = request_id
    return Step(session, pending=True)


def signing_remote_poll(*, user, session_id) -> Step:
    """Where the remote approval stands: still pending, or approved (the digests signed at
    the service, verified here like a token's, and the next round asked or intake run)."""
    session = session_get(user=user, session_id=session_id)
    if session.method != Method.REMOTE or session.round == 0 or not session.remote_request:
        if session.state == State.DONE:
            return Step(session, dossier_id=session.dossier_id)
        raise SigningRefused("signing.session_used" if session.used_at else "signing.session_state")
    if session.expires_at <= _now():
        _fail(session, "signing.session_expired")
        raise SigningRefused("signing.session_expired")
    csc = _csc()
    provider = _provider(session)
    try:
        answer = csc.csc_authorize_check(provider, request_id=session.remote_request)
        if answer.state == "pending":
            return Step(session, pending=True)
        if answer.state != "approved":
            code = "signing.csc_refused" if answer.state == "refused" else "signing.csc_timeout"
            raise SigningRefused(code)
        hashes = [base64.b64decode(e["sha256"]) for e in session.expected]
        values = csc.csc_sign_hash(
            provider,
            credential_id=_credential_id(session, provider),
            sad=answer.sad,
            hashes=hashes,
        )
        with transaction.atomic():
            locked = session_get(user=user, session_id=session_id, lock=True)
            if locked.remote_request != session.remote_request:
                raise SigningRefused("signing.session_state")
            step = _round_accept(locked, round_no=locked.round, values=list(values))
    except Refused as refusal:
        _fail(session, refusal.code)
        raise
    if getattr(step.session, "signed", None) is not None:
        return signing_submit(step)
    return _remote_authorize(step.session)


def signing_trial(*, user, session_id, secret: str) -> Step:
    """Send the prepared dossier with the unit's trial credential instead of a signature."""
    with transaction.atomic():
        session = session_get(user=user, session_id=session_id, lock=True)
        if session.state not in RESTARTABLE:
            raise SigningRefused("signing.session_used")
        if session.supplement_of:
            raise SigningRefused("SUPPLEMENT_UNSIGNED")
        if session.kind in SINGLE_FORM:
            # A 04 proves the possession of a key: a trial credential proves nothing.
            raise SigningRefused("signing.method_unavailable", value="trial")
        data = _document(session)
        session.state = State.SUBMITTING
        session.used_at = _now()
        session.save(update_fields=["state", "used_at"])
    if session.kind in CHANNEL_FORMS:
        return _channel_submit(session, data, trial_secret=secret)
    result = intake_submit(data=data, channel="portal", actor=user, trial_secret=secret)
    if not result.ok:
        # The credential may be mistyped: the prepared document can be sent again.
        SigningSession.objects.filter(pk=session.pk).update(
            state=State.FAILED, used_at=None, error_code=result.errors[0].code[:60]
        )
        return Step(session, errors=result.errors)
    SigningSession.objects.filter(pk=session.pk).update(
        state=State.DONE, dossier_id=result.dossier.pk
    )
    return Step(
        session,
        dossier_id=result.dossier.pk,
        transaction_code=result.dossier.transaction_code,
        warnings=result.warnings,
    )


def session_id_parse(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def remote_account_register(
    *, employer, certificate: RegisteredCertificate, provider: str, user_ref: str, credential_id=""
) -> RemoteSigningAccount:
    """Record that ``certificate``'s key is held at the remote signing ``provider`` (a key
    of ``SIGNING_CSC_PROVIDERS``) under the account ``user_ref``: the signing page then
    offers it. Recording it twice changes nothing."""
    if certificate.employer_id != employer.pk:
        raise SigningRefused("signing.certificate_unregistered")
    account, _created = RemoteSigningAccount.objects.get_or_create(
        certificate=certificate,
        provider=provider,
        user_ref=user_ref,
        defaults={"employer": employer, "credential_id": credential_id},
    )
    return account
