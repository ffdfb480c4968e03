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
from .employers import Employer, EmployerMember, EStatus, ResultDelivery, WageZone
from .incidents import Incident, PaperCutoff
from .rates import BaseSalary, ContributionRate, RegionalMinimumWage
from .reference import ReferenceStamp
from .registrations import Registration, RegistrationStatus
from .review import DossierPause, PostDispatch
from .trust import CaRevocationList, CertificateAuthority

__all__ = [
    "AdoptionSnapshot",
    "AdoptionSnapshotRun",
    "AdoptionTarget",
    "BaseSalary",
    "CalendarDayKind",
    "CalendarSource",
    "CaRevocationList",
    "CertificateAuthority",
    "Channel",
    "ContributionRate",
    "Difficulty",
    "DifficultyAttachment",
    "DifficultyCategory",
    "DifficultyNote",
    "DifficultyStatus",
    "DECIDED_STATUSES",
    "Dossier",
    "DossierPause",
    "DossierFile",
    "DossierStatus",
    "EStatus",
    "Employer",
    "EmployerAssignment",
    "EmployerMember",
    "Incident",
    "Notice",
    "OPEN_STATUSES",
    "PostDispatch",
    "NoticeKind",
    "PaperCutoff",
    "PortalRelease",
    "ProcedureTimeLimit",
    "PublicHoliday",
    "ReferenceStamp",
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
