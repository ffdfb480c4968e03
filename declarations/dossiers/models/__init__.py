"""Dossiers, their files and notices, incidents, and the working-day calendar."""

from .calendar import (  # noqa: F401
    CalendarDayKind,
    CalendarSource,
    ProcedureTimeLimit,
    PublicHoliday,
)
from .dossiers import (  # noqa: F401
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Channel,
    Dossier,
    DossierFile,
    DossierStatus,
    Notice,
    NoticeKind,
)
from .incidents import Incident, PaperCutoff  # noqa: F401
from .issued import AgencyCertificate, DocumentKind, DocumentLookup, IssuedDocument  # noqa: F401
