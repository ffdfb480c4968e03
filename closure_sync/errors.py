"""Why a push, a lookup or a receive failed, as stable codes with a translated message.

A record or a job keeps the code; pages show the code's message, never the technical
detail (an exception, a file path, the central store's English text), which goes to the
log and to the record's ``push_error`` for the administrators.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.refusals import CATALOGUE, Problem, codes_register

UNAVAILABLE = "closure.central_unavailable"
CREDENTIALS = "closure.credentials_unusable"
REFUSED = "closure.central_refused"
REJECTED = "closure.push_rejected"
CONFLICT = "closure.push_conflict"
FAILED = "closure.push_failed"
JOB_FAILED = "closure.job_failed"

codes_register(
    "closure",
    "Closure records (chốt sổ)",
    {
        UNAVAILABLE: _("The central store cannot be reached now. Try again later."),
        CREDENTIALS: _(
            "The connection credential file for the central store is missing or holds no "
            "valid key. Ask the IT center for the current file."
        ),
        # The central store's own code and message are kept in the log, not shown.
        REFUSED: _("The central store refused the request. Tell the IT staff."),
        REJECTED: _(
            "The central store found this record invalid. Correct it (a new version) and "
            "push again."
        ),
        CONFLICT: _(
            "The central store already holds this version with other content. Make a "
            "correction (a new version)."
        ),
        FAILED: _("The last push attempt failed."),
        JOB_FAILED: _(
            "The job stopped on an unexpected error. Start the push again: records already "
            "pushed are not sent twice."
        ),
    },
)


def message_for(code: str) -> str:
    """``[code] message`` in the active language; an unknown (or old free-text) code is
    shown as the generic push failure."""
    if code not in CATALOGUE:
        code = FAILED
    return f"[{code}] {Problem(code).message}"
