"""Models of the declarations app, one module per part of the domain."""

from .adoption import (
    AdoptionSnapshot,
    AdoptionSnapshotRun,
    AdoptionTarget,
    EmployerAssignment,
    PortalRelease,
    ReleaseDeployment,
)
from .calendar import CalendarDayKind, CalendarSource, ProcedureTimeLimit, PublicHoliday
from .difficulties import (
    Difficulty,
    DifficultyAttachment,
    DifficultyCategory,
    DifficultyNote,
    DifficultyStatus,
)
from .employers import Employer, EmployerMember, EStatus, ResultDelivery, WageZone

__all__ = [
    "AdoptionSnapshot",
    "AdoptionSnapshotRun",
    "AdoptionTarget",
    "CalendarDayKind",
    "CalendarSource",
    "Difficulty",
    "DifficultyAttachment",
    "DifficultyCategory",
    "DifficultyNote",
    "DifficultyStatus",
    "EStatus",
    "Employer",
    "EmployerAssignment",
    "EmployerMember",
    "PortalRelease",
    "ProcedureTimeLimit",
    "PublicHoliday",
    "ReleaseDeployment",
    "ResultDelivery",
    "WageZone",
]
