from finance.models.bank import (
    BankStatement,
    LineOutcome,
    StatementLine,
)
from finance.models.disbursement import (
    BatchStatus,
    DisbursementBatch,
    Payment,
    PaymentStatus,
)
from finance.models.forecast import StageStatistic
from finance.models.fx import FxRate
from finance.models.pool import (
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    ReservePool,
    TopUp,
    TopUpStatus,
)

__all__ = [
    "BankStatement",
    "BatchStatus",
    "DisbursementBatch",
    "Earmark",
    "EarmarkStatus",
    "EntryKind",
    "FxRate",
    "LedgerEntry",
    "LineOutcome",
    "Payment",
    "PaymentStatus",
    "ReservePool",
    "StageStatistic",
    "StatementLine",
    "TopUp",
    "TopUpStatus",
]
