from operations.models.calendar_days import CalendarDay, DayKind
from operations.models.feedback import Complaint, ComplaintStatus, Rating
from operations.models.notifications import Notification, WeeklyDigest
from operations.models.people import SpecialistProfile
from operations.models.sla import (
    APPROVAL_STAGES,
    Alert,
    AlertKind,
    Channel,
    SlaTarget,
    Stage,
    StageClock,
    approval_stage,
)

__all__ = [
    "APPROVAL_STAGES",
    "Alert",
    "AlertKind",
    "CalendarDay",
    "Channel",
    "Complaint",
    "ComplaintStatus",
    "DayKind",
    "Notification",
    "Rating",
    "SlaTarget",
    "SpecialistProfile",
    "Stage",
    "StageClock",
    "WeeklyDigest",
    "approval_stage",
]
