from refunds.models.approvals import (
    ApprovalDelegation,
    ApprovalLevel,
    ApprovalStep,
    ApprovalThreshold,
)
from refunds.models.audit import (
    AuditEvent,
    AuditSeal,
    ChainVerification,
    UnsealedEvent,
)
from refunds.models.case import (
    DocumentKind,
    Reason,
    ReferenceCounter,
    RefundRequest,
    State,
)
from refunds.models.exchange import Document, Message, TimelineEntry

__all__ = [
    "ApprovalDelegation",
    "ApprovalLevel",
    "ApprovalStep",
    "ApprovalThreshold",
    "AuditEvent",
    "AuditSeal",
    "ChainVerification",
    "Document",
    "DocumentKind",
    "Message",
    "Reason",
    "ReferenceCounter",
    "RefundRequest",
    "State",
    "TimelineEntry",
    "UnsealedEvent",
]
