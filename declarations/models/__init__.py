"""Models of the declarations app, one module per part of the domain."""

from .certificates import RegisteredCertificate, TrialCredential
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
    "TRANSITIONS",
    "BaseSalary",
    "Channel",
    "ContributionRate",
    "Dossier",
    "DossierFile",
    "DossierStatus",
    "EStatus",
    "Employer",
    "EmployerMember",
    "Incident",
    "Notice",
    "NoticeKind",
    "PaperCutoff",
    "RegionalMinimumWage",
    "RegisteredCertificate",
    "Registration",
    "RegistrationStatus",
    "ResultDelivery",
    "TrialCredential",
    "WageZone",
]
