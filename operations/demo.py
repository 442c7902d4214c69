"""Operations' part of the demo data set; `seed_demo` calls `seed`.

Safe to run again: every step checks what is there first.
"""

import datetime
from decimal import Decimal

from operations.models import Complaint, SlaTarget, SpecialistProfile
from operations.services.feedback import complaint_file, rating_submit
from parkportal.core import clock
from refunds.models import RefundRequest, State

# Business hours per stage and channel, as in migration 0003.
DEMO_TARGETS = {
    "standard": {
        "review": "16",
        "approval_ops_manager": "8",
        "approval_finance_director": "8",
        "approval_committee": "24",
        "disbursement": "24",
        "total": "80",
    },
    "green": {
        "review": "8",
        "approval_ops_manager": "4",
        "approval_finance_director": "4",
        "approval_committee": "16",
        "disbursement": "16",
        "total": "40",
    },
}
RATINGS = (
    (5, "审核很快，感谢。"),
    (4, "Clear updates at every step."),
    (3, "到账比预期晚了两天。"),
    (5, ""),
)
COMPLAINT = "材料补充后一周没有任何进展，请尽快处理。"


def seed(*, users: dict) -> None:
    """`users` maps the demo account names (ops, ops2, enterprise, ...) to
    their User rows."""
    _targets()
    _profiles(users)
    _feedback(users)


def _targets() -> None:
    for channel, stages in DEMO_TARGETS.items():
        for stage, hours in stages.items():
            SlaTarget.objects.get_or_create(
                stage=stage,
                channel=channel,
                defaults={"business_hours": Decimal(hours)},
            )


def _profiles(users: dict) -> None:
    if "ops" in users:
        SpecialistProfile.objects.update_or_create(
            user=users["ops"], defaults={"green_channel": True}
        )
    if "ops2" in users:
        SpecialistProfile.objects.get_or_create(user=users["ops2"])


def _enterprise_user(users: dict, refund: RefundRequest):
    for key in ("enterprise", "enterprise2"):
        user = users.get(key)
        if user is not None and user.enterprise_id == refund.enterprise_id:
            return user
    return None


def _feedback(users: dict) -> None:
    closed = RefundRequest.objects.filter(state=State.CLOSED, rating__isnull=True)
    for refund, (score, comment) in zip(
        closed.order_by("id")[:8], RATINGS * 2, strict=False
    ):
        author = _enterprise_user(users, refund)
        if author is None:
            continue
        with clock.travel(refund.state_changed_at + datetime.timedelta(days=1)):
            rating_submit(
                refund_id=refund.pk, actor=author, score=score, comment=comment
            )

    if Complaint.objects.exists():
        return
    # The complaint goes with the least happy rating.
    slow = (
        RefundRequest.objects.filter(rating__isnull=False)
        .order_by("rating__score", "id")
        .first()
    )
    author = slow and _enterprise_user(users, slow)
    if author is not None:
        with clock.travel(slow.state_changed_at + datetime.timedelta(days=2)):
            complaint_file(refund_id=slow.pk, actor=author, body=COMPLAINT)
