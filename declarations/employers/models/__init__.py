"""Employers, their people, registrations, certificates, licensed CAs and I-VAN channels."""

from .certificates import RegisteredCertificate, TrialCredential  # noqa: F401
from .employers import (  # noqa: F401
    Employer,
    EmployerDataChange,
    EmployerMember,
    EStatus,
    ResultDelivery,
    WageZone,
)
from .providers import EmployerChannel, Provider  # noqa: F401
from .registrations import Registration, RegistrationStatus  # noqa: F401
from .trust import CaRevocationList, CertificateAuthority  # noqa: F401
