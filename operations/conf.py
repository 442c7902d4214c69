"""Operations settings with their defaults; settings.py documents them."""

from decimal import Decimal

from django.conf import settings

# Weight of an open case in a specialist's workload, by state: a case the
# specialist is reviewing counts in full, one waiting on others counts less.
DEFAULT_ASSIGNMENT_WEIGHTS = {
    "submitted": "1.0",
    "under_review": "1.0",
    "info_requested": "0.5",
    "on_hold": "0.5",
    "pending_approval": "0.3",
    "approved": "0.2",
    "disbursing": "0.2",
    "disbursement_failed": "1.0",
}


def reminder_share() -> Decimal:
    return Decimal(str(getattr(settings, "OPERATIONS_REMINDER_SHARE", "0.75")))


def no_progress_days() -> int:
    return int(getattr(settings, "OPERATIONS_NO_PROGRESS_DAYS", 5))


def due_soon_hours() -> int:
    return int(getattr(settings, "OPERATIONS_DUE_SOON_HOURS", 24))


def assignment_weights() -> dict[str, Decimal]:
    weights = getattr(
        settings, "OPERATIONS_ASSIGNMENT_WEIGHTS", DEFAULT_ASSIGNMENT_WEIGHTS
    )
    return {state: Decimal(str(weight)) for state, weight in weights.items()}


def email_sweep_after_minutes() -> int:
    return int(getattr(settings, "OPERATIONS_EMAIL_SWEEP_AFTER_MINUTES", 2))
