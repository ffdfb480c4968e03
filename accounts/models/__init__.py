"""Accounts models, one module per part of the domain, all importable from here."""

from .applications import ApplicationGrant, BusinessApplication
from .core import (
    AccountKind,
    AuditChainHead,
    AuditEntry,
    Membership,
    MembershipQuerySet,
    Office,
    OfficeLevel,
    Role,
    RoleScope,
    User,
)
from .data_requests import DataRequest, DataRequestStatus
from .decisions import (
    LOCKING_KINDS,
    STATUS_KINDS,
    DecisionKind,
    DecisionStatus,
    LoginSession,
    PersonnelDecision,
)
from .outside import OutsideAccountRequest, RequestStatus
from .reports import AccountReport
from .verification import AuditCheckpoint, AuditVerification

__all__ = [
    "LOCKING_KINDS",
    "STATUS_KINDS",
    "AccountKind",
    "AccountReport",
    "ApplicationGrant",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditVerification",
    "BusinessApplication",
    "DataRequest",
    "DataRequestStatus",
    "DecisionKind",
    "DecisionStatus",
    "LoginSession",
    "Membership",
    "MembershipQuerySet",
    "Office",
    "OfficeLevel",
    "OutsideAccountRequest",
    "PersonnelDecision",
    "RequestStatus",
    "Role",
    "RoleScope",
    "User",
]
