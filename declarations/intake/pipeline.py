"""``intake_submit``: the one path every channel (browser, CLI, I-VAN API) sends dossiers by.

bytes → hardened parse → envelope XSD → sender and channel → signature of the envelope
(pinned, valid, chained and not revoked at the trusted time) → procedure → files → each
form: parse, XSD, signature → procedure rules → one transaction: dossier + files + receipt +
audit entry + outbox e-mail. Every error of a stage is reported together.

A supplement (hồ sơ bổ sung, ``supplement_of``: the transaction code of the dossier it
answers) goes the same way, signed, and must be the same unit's, for the same procedure, to
a dossier awaiting a supplement; it is stored as a dossier of its own linked to the original,
which moves to ``supplemented`` in the same transaction (declarations.dossiers.supplements).

The trusted time (thời điểm được tin cậy) is the receipt time, or the time of a valid
RFC 3161 timestamp over the signature from a TSA in the trust store. The signer's own
SigningTime is a claim: stored and shown as such, a warning on the receipt when far from the
trusted time, never used to choose a certificate or judge its validity or revocation.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import IntegrityError, connection, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from lxml import etree
from stdnum.vn import mst as mst_check

from accounts.models import Office
from accounts.scope import may_reach
from core.db import instances_fetch, select_columns
from core.refusals import Location, Problem, Refused, err
from declarations.dossiers.models import Channel, Dossier, Notice
from declarations.dossiers.services import dossier_receive
from declarations.dossiers.supplements import supplement_arrived, supplement_original
from declarations.employers.models import (
    Employer,
    EmployerChannel,
    EStatus,
    RegisteredCertificate,
    TrialCredential,
)
from declarations.employers.pki.parsing import parse_untrusted, strip_bom, xml_schema
from declarations.employers.pki.signatures import (
    CHUNKED_FROM_BYTES,
    signature_inspect,
    signature_verify,
)
from declarations.employers.pki.timestamps import timestamp_time
from declarations.employers.pki.trust import chain_check, trust_store, validity_check
from declarations.employers.procedures import procedure_get
from declarations.intake import envelope as env
from declarations.intake.procedures.d02lt import parse_month
from declarations.intake.reference import reference_tables, stamp_sql

log = structlog.get_logger(__name__)
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class IntakeResult:
    """What intake answers: the receipt (and dossier), or every error found."""

    dossier: Dossier | None = None
    receipt: Notice | None = None
    errors: list[Problem] = field(default_factory=list)
    sandbox: bool = False
    duplicate: bool = False
    summary: dict = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_as_dicts(self, language: str | None = None) -> list[dict]:
        return [e.as_dict(language) for e in self.errors]


def intake_submit(
    *,
    data: bytes,
    channel: str,
    provider=None,
    sandbox: bool = False,
    actor=None,
    trial_secret: str | None = None,
    supplement_of: str | None = None,
    along=None,
) -> IntakeResult:
    """Run a dossier through the pipeline; never raises for bad input. ``supplement_of``:
    the transaction code of the dossier this one is a supplement to. ``along``: the
    caller's rows written in the dossier's own statement (see ``dossier_receive``)."""
    try:
        return _intake(
            data=data,
            channel=channel,
            provider=provider,
            sandbox=sandbox,
            actor=actor,
            trial_secret=trial_secret,
            supplement_of=supplement_of or None,
            along=along,
        )
    except Refused as refusal:
        log.info(
            "intake_refused",
            channel=channel,
            supplement_of=supplement_of or None,
            codes=sorted({e.code for e in refusal.errors}),
            count=len(refusal.errors),
        )
        return IntakeResult(errors=refusal.errors, sandbox=sandbox)


# Below this size a document is verified on the tree intake parsed (no second parse); from
# it, on its bytes, so that two trees of it never live at once.
IN_PLACE_BELOW_BYTES = CHUNKED_FROM_BYTES

# A large dossier's trees leave the C heap full of free holes the database driver's send
# buffer cannot reuse; hand them back first, so the write does not add to the peak.
TRIM_FROM_BYTES = 1024 * 1024


def memory_release() -> None:
    """Return freed C-heap pages to the system (glibc's ``malloc_trim``; elsewhere a no-op)."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).malloc_trim(0)


def _schema_errors(schema: etree.XMLSchema, root, code: str, form: str | None = None):
    if schema.validate(root):
        return []
    found = []
    for entry in list(schema.error_log)[:50]:
        found.append(err(code, line=entry.line, form=form, detail=entry.message))
    return found


def _employer_query(*, unit_code, digest, sandbox, fingerprint):
    """The employer by unit code with, in the same query, what intake needs next: its office
    and I-VAN channel, the id of an earlier dossier with the same bytes
    (``earlier_dossier_id``), the reference tables' stamp (``reference_stamp``) and the
    registration of the envelope's certificate (``pinned_id``, ``pinned_replaced_at``: in
    force first; whether a replaced one still counts is decided at the trusted time, in
    _pinned). On PostgreSQL the same read runs as :func:`_employer_sql`."""
    earlier = (
        Dossier.objects.filter(employer=OuterRef("pk"), content_sha256=digest, sandbox=sandbox)
        .exclude(content_sha256="")  # the partial unique index's own condition: it is used
        .values("pk")[:1]
    )
    registered = RegisteredCertificate.objects.filter(
        employer=OuterRef("pk"), fingerprint=fingerprint
    ).order_by(F("replaced_at").desc(nulls_first=True), "-registered_at")
    return (
        Employer.objects.select_related("managing_office", "ivan_channel")
        .annotate(
            earlier_dossier_id=Subquery(earlier),
            reference_stamp=RawSQL(stamp_sql(), ()),  # noqa: S611  (a constant, no input)
            pinned_id=Subquery(registered.values("pk")[:1]),
            pinned_replaced_at=Subquery(registered.values("replaced_at")[:1]),
        )
        .filter(unit_code=unit_code)
    )


@functools.cache
def _employer_sql() -> str:
    """:func:`_employer_query` written out, the read every dossier pays (see core.db).
    tests/declarations/intake/test_intake_queries.py holds the two to the same answers."""
    q = connection.ops.quote_name
    registered = (
        f"FROM {q(RegisteredCertificate._meta.db_table)} r "  # noqa: S608  (names from the models)
        "WHERE r.employer_id = e.id AND r.fingerprint = %(fp)s "
        "ORDER BY r.replaced_at DESC NULLS FIRST, r.registered_at DESC LIMIT 1"
    )
    return (
        f"SELECT {select_columns(Employer, 'e')}, {select_columns(Office, 'o')}, "  # noqa: S608
        f"{select_columns(EmployerChannel, 'c')}, "
        # The twin from the guard table of the months' dossiers (dossiers.0006): one probe
        # of its unique index instead of one per month's partition.
        "(SELECT g.dossier_id FROM declarations_dossier_content_once g WHERE g.employer_id = e.id "
        "AND g.content_sha256 = %(digest)s AND g.sandbox = %(sandbox)s), "
        f"{stamp_sql()}, (SELECT r.id {registered}), (SELECT r.replaced_at {registered}) "
        f"FROM {q(Employer._meta.db_table)} e "
        f"JOIN {q(Office._meta.db_table)} o ON o.id = e.managing_office_id "
        f"LEFT JOIN {q(EmployerChannel._meta.db_table)} c ON c.employer_id = e.id "
        "WHERE e.unit_code = %(unit_code)s"
    )


def _employer_lookup(*, unit_code, digest, sandbox, fingerprint) -> Employer | None:
    if connection.vendor != "postgresql":
        return _employer_query(
            unit_code=unit_code, digest=digest, sandbox=sandbox, fingerprint=fingerprint
        ).first()
    params = {"fp": fingerprint, "digest": digest, "sandbox": sandbox, "unit_code": unit_code}
    found = instances_fetch(_employer_sql(), params, (Employer, Office, EmployerChannel))
    if not found:
        return None
    employer, office, channel, *annotations = found[0]
    employer.managing_office = office
    if channel is None:
        # Known to have none, as select_related leaves it: the webhooks' subscriber then
        # knows without a query that no provider is to be told.
        EmployerChannel.employer.field.remote_field.set_cached_value(employer, None)
    else:
        employer.ivan_channel = channel
    (
        employer.earlier_dossier_id,
        employer.reference_stamp,
        employer.pinned_id,
        employer.pinned_replaced_at,
    ) = annotations
    return employer


def _employer_for(facts: dict, *, digest: str, sandbox: bool, fingerprint) -> Employer:
    """The employer named by the envelope, or the refusal; in the same query what intake
    needs next: its I-VAN channel, the id of an earlier dossier with the same bytes
    (``earlier_dossier_id``), the reference tables' stamp (``reference_stamp``) and, given
    the envelope's certificate's ``fingerprint``, the employer's registration of that
    certificate (see :func:`_pinned`)."""
    employer = _employer_lookup(
        unit_code=facts["unit_code"] or "", digest=digest, sandbox=sandbox, fingerprint=fingerprint
    )
    if employer is None:
        raise Refused(err("EMPLOYER_UNKNOWN", value=facts["unit_code"] or "—"))
    if mst_check.compact(facts["tax_code"] or "") != mst_check.compact(employer.tax_code):
        raise Refused(err("EMPLOYER_TAX_MISMATCH", value=facts["tax_code"] or "—"))
    if fingerprint is not None:
        employer.pinned_fingerprint = fingerprint
    return employer


def _fingerprint(certificate) -> str:
    return _der_and_fingerprint(certificate)[1]


@functools.lru_cache(maxsize=64)
def _der_and_fingerprint(certificate) -> tuple[bytes, str]:
    """The certificate's DER and fingerprint, once per certificate object (the envelope's
    and its forms' signatures carry the same one; see signatures.certificate_of)."""
    der = certificate.public_bytes(serialization.Encoding.DER)
    return der, RegisteredCertificate.fingerprint_of(der)


def _channel_check(*, employer, channel, provider, actor) -> None:
    if channel == Channel.IVAN:
        carried = getattr(getattr(employer, "ivan_channel", None), "provider_id", None)
        if provider is None or carried != provider.pk:
            raise Refused(err("CHANNEL_FORBIDDEN"))
    elif channel == Channel.PORTAL:
        if actor is None or not may_reach(actor, employer, permission="accounts.submit_dossiers"):
            raise Refused(err("CHANNEL_FORBIDDEN"))
    elif channel != Channel.CLI:
        raise Refused(err("CHANNEL_FORBIDDEN"))
    if employer.e_status not in (EStatus.ACTIVE, EStatus.TRIAL):
        raise Refused(err("EMPLOYER_NOT_REGISTERED"))


def _trial_check(employer, secret: str, now: datetime) -> TrialCredential:
    for credential in employer.trial_credentials.all():
        if check_password(secret, credential.secret_hash):
            if credential.expires_on < timezone.localdate(now):
                raise Refused(err("TRIAL_EXPIRED", date=credential.expires_on.strftime("%d/%m/%Y")))
            return credential
    raise Refused(err("TRIAL_INVALID"))


def _pinned(employer, certificate, *, at: datetime, form=None) -> RegisteredCertificate:
    """The employer's registered certificate the signature was made with, in force at the
    trusted time ``at``: one replaced at or before ``at`` is refused as superseded.

    The envelope's signer came with the employer (``_employer_for``); a signature by the
    same certificate needs no query."""
    der, fingerprint = _der_and_fingerprint(certificate)
    if getattr(employer, "pinned_fingerprint", None) == fingerprint:
        if employer.pinned_id is None:
            raise Refused(err("CERT_NOT_REGISTERED", form=form))
        replaced_at = employer.pinned_replaced_at
        _in_force_check(replaced_at, at=at, form=form)
        record = getattr(employer, "pinned_record", None)
        if record is None:
            # The other fields stay deferred: read from the database if anything asks.
            record = employer.pinned_record = RegisteredCertificate.from_db(
                Employer.objects.db,
                ["id", "employer_id", "der", "fingerprint", "replaced_at"],
                [employer.pinned_id, employer.pk, der, fingerprint, replaced_at],
            )
        return record
    registered = getattr(employer, "_registered_certificates", None)
    if registered is None:
        registered = employer._registered_certificates = list(employer.certificates.all())
    records = sorted(
        (r for r in registered if r.fingerprint == fingerprint),
        key=lambda r: r.replaced_at is not None,
    )
    if not records:
        raise Refused(err("CERT_NOT_REGISTERED", form=form))
    _in_force_check(records[0].replaced_at, at=at, form=form)
    return records[0]


def _in_force_check(replaced_at, *, at: datetime, form=None) -> None:
    if replaced_at is not None and at >= replaced_at:
        raise Refused(err("CERT_SUPERSEDED", form=form, date=_vn_time(replaced_at)))


def _signature_outcome(root, *, container, facts, form=None):
    """The signature at ``<root>/<container>`` verified with the certificate it carries
    (``facts.certificate``): the signed tree, or the :class:`Refused` to raise in its place
    (see :func:`signed_tree_check`). ``root`` is verified in place."""
    cert = facts.certificate
    try:
        return signature_verify(root, container=container, certificate=cert, form=form)
    except Refused as refusal:
        return refusal


@dataclass(frozen=True)
class Verdict:
    """One signature verified the whole way: the employer's registered certificate, the
    trusted time it was judged at and where that time came from (``receipt`` or ``tsa``),
    and what the signature said of itself. (The signed tree is returned beside it, not kept
    in it: a large envelope's tree must be freed as soon as its files are read.)"""

    record: RegisteredCertificate
    at: datetime
    source: str
    facts: object


def trusted_time(
    facts, *, now: datetime, store=None, form=None, inherited=None
) -> tuple[datetime, str]:
    """The time a signature is judged at: its RFC 3161 timestamp's, when it carries one
    that verifies, else ``inherited`` (the envelope's, for a form the envelope's signature
    covers, bytes and signature included), else the receipt time ``now``. Never the
    signer's claimed time."""
    if facts.timestamp is None:
        return inherited or (now, "receipt")
    try:
        at = timestamp_time(
            facts.timestamp, stamped=facts.timestamped, store=store or trust_store()
        )
    except Refused as refusal:
        raise Refused(
            [Problem(e.code, e.params, _with_form(e, form)) for e in refusal.errors]
        ) from None
    if at > now + CLOCK_SKEW:
        raise Refused(err("SIG_TIME_FUTURE", form=form, value=_vn_time(at)))
    max_age = timedelta(days=settings.INTAKE_MAX_SIGNATURE_AGE_DAYS)
    if at < now - max_age:
        raise Refused(err("SIG_TIME_STALE", form=form, value=_vn_time(at), days=max_age.days))
    return at, "tsa"


def signed_tree_check(
    root,
    *,
    container,
    employer,
    now,
    form=None,
    expect_cert=None,
    facts=None,
    store=None,
    verified=None,
    inherited=None,
) -> tuple[etree._Element, Verdict]:
    """Verify one signature the whole way, judged at its trusted time (:func:`trusted_time`):
    the signed tree (the only one to read next) and the :class:`Verdict`.

    ``store``: the trust store, when the caller read it already for this dossier.
    ``verified``: the outcome of :func:`_signature_outcome` for this signature, when the
    caller computed it already; it counts only once that certificate is known to be the
    registered one (same bytes, same key), and is raised in its place if a refusal."""
    facts = facts or signature_inspect(root, container=container, form=form)
    at, source = trusted_time(facts, now=now, store=store, form=form, inherited=inherited)
    record = _pinned(employer, facts.certificate, at=at, form=form)
    if expect_cert is not None and record.pk != expect_cert.pk:
        raise Refused(err("CERT_NOT_REGISTERED", form=form))
    # The registered record has the fingerprint of the certificate the signature carries:
    # the same bytes, so that certificate is the one to verify and check with.
    if verified is None:
        verified = _signature_outcome(root, container=container, facts=facts, form=form)
    if isinstance(verified, Refused):
        raise verified
    cert = facts.certificate
    try:
        validity_check(cert, at=at)
        chain_check(cert, at=at, store=store)
    except Refused as refusal:
        raise Refused(
            [Problem(e.code, e.params, _with_form(e, form)) for e in refusal.errors]
        ) from None
    return verified, Verdict(record, at, source, facts)


def claim_warnings(facts, *, at: datetime, form=None) -> list[Problem]:
    """A warning when the signer's claimed time is far from the trusted time ``at``."""
    claim = facts.claimed_time
    if claim is None:
        return []
    window = timedelta(hours=settings.INTAKE_SIGNING_CLAIM_WARN_HOURS)
    if at - window <= claim <= at + CLOCK_SKEW:
        return []
    return [err("SIG_TIME_CLAIM_FAR", form=form, value=_vn_time(claim), trusted=_vn_time(at))]


def _with_form(error: Problem, form):
    loc = error.location
    return Location(line=loc.line, form=form or loc.form, row=loc.row, field=loc.field)


def _vn_time(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _forms_check(
    files, *, procedure, employer, now, trial, envelope_cert, store=None, inherited=None
):
    """Parse, validate and verify every embedded XML form; every form's errors together."""
    forms: dict[str, list] = {}
    errors: list[Problem] = []
    for f in files:
        if f.kind != "xml":
            continue
        spec = procedure.form(f.form_code)
        if spec is None:
            errors.append(
                err("FORM_UNKNOWN", line=f.line, form=f.form_code or "—", procedure=procedure.code)
            )
            continue
        try:
            root = parse_untrusted(f.content, limit=settings.INTAKE_MAX_FILES_BYTES, form=spec.code)
            if root.tag not in spec.roots:
                raise Refused(err("FORM_ROOT", form=spec.code, value=root.tag))
            shape = None if trial else signature_inspect(root, container="Cky", form=spec.code)
            schema_errors = _schema_errors(spec.schema, root, "XSD_FORM", spec.code)
            if schema_errors:
                raise Refused(schema_errors)
            if not trial:
                if len(f.content) >= IN_PLACE_BELOW_BYTES:
                    root = None  # the verifier parses the bytes again: one tree at a time
                root = signed_tree_check(
                    strip_bom(f.content) if root is None else root,
                    container="Cky",
                    employer=employer,
                    now=now,
                    form=spec.code,
                    expect_cert=envelope_cert,
                    facts=shape,
                    store=store,
                    inherited=inherited,
                )[0]
        except Refused as refusal:
            errors.extend(refusal.errors)
            continue
        forms.setdefault(spec.code, []).append(root)
    for spec in procedure.forms:
        count = len(forms.get(spec.code, []))
        if spec.required and count == 0 and not any(e.location.form == spec.code for e in errors):
            errors.append(err("FORM_MISSING", form=spec.code))
        if count > 1 and not spec.repeatable:
            errors.append(err("FORM_DUPLICATE", form=spec.code))
    if errors:
        raise Refused(errors)
    return forms


def _repeat(earlier: Dossier, supplement_of: str | None) -> IntakeResult:
    """Bytes received before: the first dossier and its receipt answer."""
    if supplement_of is not None:
        _supplement_repeated(earlier, supplement_of)
    receipt = next((n for n in earlier.notices.all() if n.kind == "receipt"), None)
    return IntakeResult(dossier=earlier, receipt=receipt, duplicate=True)


def _supplement_repeated(earlier: Dossier, supplement_of: str) -> None:
    """Bytes received before, sent as a supplement: the same supplement sent again (its
    first receipt answers), or refused (the original itself, or another dossier)."""
    answered = Dossier.objects.filter(pk=earlier.supplement_of_id, transaction_code=supplement_of)
    if earlier.supplement_of_id is not None and answered.exists():
        return
    raise Refused(err("SUPPLEMENT_DUPLICATE", value=earlier.transaction_code))


def _supplement_receive(*, supplement_of: str, **receive) -> tuple[Dossier, Notice]:
    """The supplement and its original's move on, in one transaction; the original checked
    again under lock (another supplement, or a decision, may have come first)."""
    with transaction.atomic():
        original = supplement_original(
            transaction_code=supplement_of,
            employer=receive["employer"],
            procedure_code=receive["procedure"].code,
            sandbox=receive["sandbox"],
            lock=True,
        )
        dossier, receipt = dossier_receive(**receive, supplement_of=original)
        supplement_arrived(original=original, supplement=dossier, actor=receive["actor"])
    return dossier, receipt


def _intake(
    *, data, channel, provider, sandbox, actor, trial_secret, supplement_of, along=None
) -> IntakeResult:
    now = datetime.now(UTC)
    if supplement_of is not None and trial_secret:
        raise Refused(err("SUPPLEMENT_UNSIGNED"))
    root = parse_untrusted(data, limit=settings.INTAKE_MAX_BYTES)
    if root.tag != "Hoso":
        raise Refused(err("XSD_ENVELOPE", line=root.sourceline, detail=f"<{root.tag}>"))
    # The signature's shape first (one signature, at Hoso/CKy_Dvi, the expected algorithms
    # and reference), so a moved or rewired signature gets its own code, not a schema error.
    shape = None if trial_secret else signature_inspect(root, container="CKy_Dvi", form=None)
    facts = env.envelope_facts(root)
    digest = hashlib.sha256(data).hexdigest()
    # Elements the envelope's schema does not know are kept and ignored (the real format is
    # open there); the schema is strict about every element intake reads.
    schema_errors = _schema_errors(
        xml_schema(env.SCHEMAS / "envelope.xsd"), env.schema_view(root), "XSD_ENVELOPE"
    )
    if schema_errors:
        raise Refused(schema_errors)
    env.files_count_check(root, max_files=settings.INTAKE_MAX_FILES)
    fingerprint = _fingerprint(shape.certificate) if shape is not None else None
    employer = _employer_for(facts, digest=digest, sandbox=sandbox, fingerprint=fingerprint)
    verified = None
    if shape is not None and len(data) < IN_PLACE_BELOW_BYTES:
        # The envelope's signature checked on the tree at hand, with the certificate it
        # carries; whether that is the employer's registered one, and every refusal that
        # comes before the signature's, is decided in signed_tree_check, which raises this
        # outcome in its place.
        verified = _signature_outcome(root, container="CKy_Dvi", facts=shape)
    _channel_check(employer=employer, channel=channel, provider=provider, actor=actor)
    earlier = None
    if employer.earlier_dossier_id is not None:
        earlier = (
            Dossier.objects.filter(pk=employer.earlier_dossier_id)
            .prefetch_related("notices")
            .first()
        )
    if earlier is not None and not (sandbox and channel != Channel.IVAN):
        return _repeat(earlier, supplement_of)

    trial = store = verdict = None
    record = None
    warnings: list[Problem] = []
    if trial_secret:
        trial = _trial_check(employer, trial_secret, now)
        signed_root = root
    else:
        if len(data) >= IN_PLACE_BELOW_BYTES:
            root = None  # the verifier parses the bytes again: one tree at a time
        store = trust_store()  # read (or found unchanged) once for every signature here
        signed_root, verdict = signed_tree_check(
            strip_bom(data) if root is None else root,
            container="CKy_Dvi",
            employer=employer,
            now=now,
            facts=shape,
            store=store,
            verified=verified,
        )
        record = verdict.record
        warnings = claim_warnings(shape, at=verdict.at)
    # The procedure is asked once the signature has its verdict: an unknown one is never
    # reported as a signature error, and a forged one never gets past the signature.
    procedure = procedure_get(facts["procedure"])
    if procedure is None:
        raise Refused(err("PROC_UNKNOWN", value=facts["procedure"] or "—"))
    # Verified in place, the signed tree is the tree the facts were read from.
    signed_facts = facts if signed_root is root else env.envelope_facts(signed_root)
    if any(signed_facts[k] != facts[k] for k in ("unit_code", "tax_code", "procedure")):
        # Cannot happen with one Reference URI="" over the whole document; checked anyway,
        # since the employer and its certificate were chosen from the unverified tree.
        raise Refused(err("SIG_DIGEST"))
    facts = signed_facts
    if supplement_of is not None:
        # Checked before the forms are read, so a misdirected supplement is told at once;
        # again under lock when it is stored.
        supplement_original(
            transaction_code=supplement_of,
            employer=employer,
            procedure_code=procedure.code,
            sandbox=sandbox,
        )
    period = parse_month(facts["period"])
    if period is None:
        raise Refused(err("PERIOD_FORMAT", value=facts["period"] or "—"))
    files = env.envelope_files(
        signed_root, max_files=settings.INTAKE_MAX_FILES, max_bytes=settings.INTAKE_MAX_FILES_BYTES
    )
    signed_root = None  # the files are decoded: the envelope's tree is not needed any more
    forms = _forms_check(
        files,
        procedure=procedure,
        employer=employer,
        now=now,
        trial=trial is not None,
        envelope_cert=record,
        store=store,
        inherited=(verdict.at, verdict.source) if verdict else None,
    )
    reference = reference_tables(employer.reference_stamp)
    rule_errors, summary = procedure.rules(
        procedure=procedure, forms=forms, employer=employer, period=period, tables=reference.money
    )
    forms = None  # the forms' trees are not needed to store the dossier
    if len(data) >= TRIM_FROM_BYTES:
        memory_release()
    if rule_errors:
        raise Refused(rule_errors)
    if sandbox and channel != Channel.IVAN:
        # A check only (CLI --sandbox). An I-VAN sandbox client's dossier is stored, flagged
        # ``sandbox``, with a real receipt, and never reaches an office queue.
        return IntakeResult(sandbox=True, summary=summary, warnings=warnings)

    receive = {
        "employer": employer,
        "procedure": procedure,
        "period": facts["period"],
        "channel": channel,
        "provider": provider,
        "actor": actor,
        "data": data,
        "digest": digest,
        "files": files,
        "certificate": record,
        "verdict": verdict,
        "warnings": warnings,
        "trial": trial,
        "summary": summary,
        "sandbox": sandbox,
        "reference": reference,
        "along": along,
    }
    try:
        if supplement_of is not None:
            dossier, receipt = _supplement_receive(supplement_of=supplement_of, **receive)
        elif connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a twin stored meanwhile fails this only
                dossier, receipt = dossier_receive(**receive)
        else:
            dossier, receipt = dossier_receive(**receive)
    except IntegrityError:
        # The same bytes, sent at the same moment, were stored first by another request
        # (dossier_content_once): answered as the repeat they are.
        twin = (
            Dossier.objects.filter(employer=employer, content_sha256=digest, sandbox=sandbox)
            .prefetch_related("notices")
            .first()
        )
        if twin is None:
            raise
        log.info("intake_twin_stored_first", dossier_id=twin.pk, channel=channel)
        return _repeat(twin, supplement_of)
    log.info(
        "intake_received",
        dossier_id=dossier.pk,
        transaction_code=dossier.transaction_code,
        procedure=procedure.code,
        channel=channel,
        language=translation.get_language(),
        supplement_of=supplement_of,
    )
    return IntakeResult(
        dossier=dossier, receipt=receipt, summary=summary, sandbox=sandbox, warnings=warnings
    )
