"""Accounts models, one module per part of the domain, all importable from here."""

from .applications import ApplicationGrant, BusinessApplication
from .connectors import (
    ApplicationConnector,
    AttemptOutcome,
    ChangeOperation,
    ChangeState,
    ConnectorAttempt,
    ConnectorChange,
    ConnectorKind,
)
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
    "ApplicationConnector",
    "ApplicationGrant",
    "AttemptOutcome",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditVerification",
    "BusinessApplication",
    "ChangeOperation",
    "ChangeState",
    "ConnectorAttempt",
    "ConnectorChange",
    "ConnectorKind",
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
