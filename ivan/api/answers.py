"""A submitted dossier's answer (its receipt) as plain data, the fields of
``SubmitAnswerSerializer`` written out: every API submission pays for it, and the
serializer's per-call field copying cost more than the rest of the answer (benchmarks/
README.md, ivan_cpu.py). The serializer still describes it in the OpenAPI document, and
tests/ivan/test_query_budget.py holds the two to the same output."""

from __future__ import annotations

from django.utils import timezone

from core.refusals import Problem


def _moment(value) -> str | None:
    """As DRF's DateTimeField writes it: ISO 8601 in the current time zone, UTC as Z."""
    if not value:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _receipt(notice) -> dict | None:
    if notice is None:
        return None
    warnings = []
    for warning in notice.data.get("warnings", []):
        problem = Problem(warning["code"], warning.get("params", {}))
        warnings.append({"code": str(problem.code), "message": problem.text()})
    return {"number": notice.number, "issued_at": _moment(notice.issued_at), "warnings": warnings}


def submit_answer(dossier, receipt, *, duplicate: bool) -> dict:
    """What ``SubmitAnswerSerializer(dossier, context={"receipt": receipt})`` answers, with
    ``duplicate``; ``receipt`` None: the dossier's own (its notices prefetched)."""
    if receipt is None:
        receipt = next((n for n in dossier.notices.all() if n.kind == "receipt"), None)
    supplement_of = None
    if dossier.supplement_of_id is not None:
        supplement_of = getattr(dossier, "supplement_of_code", None) or (
            dossier.supplement_of.transaction_code
        )
    return {
        "transaction_code": str(dossier.transaction_code),
        "unit_code": str(dossier.employer.unit_code),
        "procedure": str(dossier.procedure_code),
        "period": str(dossier.period),
        "status": str(dossier.status),
        "received_at": _moment(dossier.received_at),
        "signed_at": _moment(dossier.signed_at),
        "time_source": str(dossier.time_source),
        "claimed_signing_time": _moment(dossier.claimed_signing_time),
        "sandbox": bool(dossier.sandbox),
        "workers": int(dossier.worker_count),
        "result_held": bool(dossier.result_held),
        "supplement_of": supplement_of,
        "receipt": _receipt(receipt),
        "duplicate": duplicate,
    }
