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
from .certificates import RegisteredCertificate, TrialCredential
from .difficulties import (
    Difficulty,
    DifficultyAttachment,
    DifficultyCategory,
    DifficultyNote,
    DifficultyStatus,
)
from .dossiers import (
    TRANSITIONS,
    Channel,
    Dossier,
    DossierFile,
    DossierStatus,
    Notice,
    NoticeKind,
)
from .employers import Employer, EmployerMember, EStatus, ResultDelivery, WageZone
from .incidents import Incident, PaperCutoff
from .rates import BaseSalary, ContributionRate, RegionalMinimumWage
from .registrations import Registration, RegistrationStatus

__all__ = [
    "AdoptionSnapshot",
    "AdoptionSnapshotRun",
    "AdoptionTarget",
    "BaseSalary",
    "CalendarDayKind",
    "CalendarSource",
    "Channel",
    "ContributionRate",
    "Difficulty",
    "DifficultyAttachment",
    "DifficultyCategory",
    "DifficultyNote",
    "DifficultyStatus",
    "Dossier",
    "DossierFile",
    "DossierStatus",
    "EStatus",
    "Employer",
    "EmployerAssignment",
    "EmployerMember",
    "Incident",
    "Notice",
    "NoticeKind",
    "PaperCutoff",
    "PortalRelease",
    "ProcedureTimeLimit",
    "PublicHoliday",
    "RegionalMinimumWage",
    "RegisteredCertificate",
    "Registration",
    "RegistrationStatus",
    "ReleaseDeployment",
    "ResultDelivery",
    "TRANSITIONS",
    "TrialCredential",
    "WageZone",
]
