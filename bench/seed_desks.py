"""What the desks work on, for the seed: the staff, each case's owner, the
running SLA clocks of open cases, approval steps and the funded pool.

The functions here take one generated case and return its rows; seed.py
streams them with COPY next to the case itself.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

# Approval policy of refunds' data migration: level and the CNY amount from
# which it signs.
LEVELS = (
    ("ops_manager", Decimal("0")),
    ("finance_director", Decimal("100000")),
    ("committee", Decimal("1000000")),
)
# Business hours per stage (operations' default SLA targets), standard and
# green channel.
TARGET_HOURS = {
    "review": (16, 8),
    "approval_ops_manager": (8, 4),
    "approval_finance_director": (8, 4),
    "approval_committee": (24, 16),
    "disbursement": (24, 16),
    "total": (80, 40),
}
# The stage whose clock runs while a case is in each open state.
STAGE_OF_STATE = {
    "submitted": "review",
    "under_review": "review",
    "info_requested": "review",
    "on_hold": "review",
    "approved": "disbursement",
    "disbursing": "disbursement",
    "disbursement_failed": "disbursement",
}
OPEN = {*STAGE_OF_STATE, "pending_approval"}
APPROVED = {"approved", "disbursing", "disbursed", "closed", "disbursement_failed"}
# An approved case waits for funds when the pool could not cover it.
AWAITING_FUNDS_SHARE = 0.1
CASES_PER_SPECIALIST = 20_000

STAFF_COLUMNS = [
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "display_name",
    "language",
    "enterprise_id",
]
PROFILE_COLUMNS = [
    "user_id",
    "accepts_cases",
    "capacity",
    "green_channel",
    "created_at",
    "updated_at",
]
CLOCK_COLUMNS = [
    "refund_id",
    "stage",
    "channel",
    "target_minutes",
    "started_at",
    "running_since",
    "consumed_minutes",
    "deadline",
    "remind_at",
    "ended_at",
    "created_at",
    "updated_at",
]
STEP_COLUMNS = [
    "refund_id",
    "round",
    "position",
    "level",
    "status",
    "decided_by_id",
    "decided_at",
    "approved_amount",
    "comment",
    "activated_at",
    "created_at",
    "updated_at",
]
EARMARK_COLUMNS = [
    "refund_id",
    "pool_id",
    "amount_cny",
    "status",
    "earmarked_at",
    "created_at",
    "updated_at",
]
LEDGER_COLUMNS = [
    "pool_id",
    "kind",
    "balance_change",
    "earmark_change",
    "refund_id",
    "top_up_id",
    "memo",
    "created_by_id",
    "created_at",
]


@dataclass
class Staff:
    specialists: list[int]
    managers: list[int]
    director: int
    committee: int
    finance_officer: int

    def rows(self, now: datetime):
        names = [
            *((pk, f"bench-ops-{i}") for i, pk in enumerate(self.specialists, 1)),
            *((pk, f"bench-manager-{i}") for i, pk in enumerate(self.managers, 1)),
            (self.director, "bench-director"),
            (self.committee, "bench-committee-member"),
            (self.finance_officer, "bench-finance"),
        ]
        for pk, username in names:
            yield (pk, "!", False, username, "", "", "", True, True, now, "", "zh-hans")

    def roles(self):
        yield from ((pk, "ops_specialist") for pk in self.specialists)
        yield from ((pk, "ops_manager") for pk in self.managers)
        yield (self.director, "finance_director")
        yield (self.committee, "committee")
        yield (self.finance_officer, "finance_officer")


def staff_for(*, cases: int, first_id: int) -> Staff:
    """One specialist per 20 000 cases a year (at least five), one manager
    per ten specialists."""
    specialists = max(5, cases // CASES_PER_SPECIALIST)
    managers = max(1, specialists // 10)
    ids = iter(range(first_id, first_id + specialists + managers + 3))
    return Staff(
        specialists=[next(ids) for _ in range(specialists)],
        managers=[next(ids) for _ in range(managers)],
        director=next(ids),
        committee=next(ids),
        finance_officer=next(ids),
    )


def case_owner(state: str, rng: random.Random, staff: Staff) -> int | None:
    """Assignment happens at submission; a case just submitted still waits
    in the unassigned queue."""
    if state in ("draft", "submitted"):
        return None
    return rng.choice(staff.specialists)


def _deadline(start: datetime, business_hours: float) -> datetime:
    # Eight business hours a day, five days a week.
    return start + timedelta(days=business_hours / 8 * 7 / 5)


def _clock(refund_id, stage, green, started, now, *, paused=False) -> tuple:
    hours = TARGET_HOURS[stage][1 if green else 0]
    deadline = None if paused else _deadline(started, hours)
    remind = None if paused else _deadline(started, hours * 0.75)
    return (
        refund_id,
        stage,
        "green" if green else "standard",
        hours * 60,
        started,
        None if paused else started,
        0,
        deadline,
        remind,
        None,
        started,
        now,
    )


def case_clocks(refund_id, state, path, moments, green, pending_level, now) -> list:
    """The running clocks of an open case: its stage's and the whole
    case's. A case waiting on the enterprise has its stage clock paused."""
    if state not in OPEN:
        return []
    stage = STAGE_OF_STATE.get(state) or f"approval_{pending_level}"
    entered = moments[-1]
    if state in ("info_requested", "on_hold"):
        entered = moments[path.index("under_review")]
    submitted = moments[1]
    return [
        _clock(refund_id, stage, green, entered, now, paused=state == "info_requested"),
        _clock(refund_id, "total", green, submitted, now),
    ]


def levels_for(amount_cny: Decimal) -> list[str]:
    return [level for level, minimum in LEVELS if amount_cny >= minimum]


def case_steps(refund_id, state, path, moments, amount, amount_cny, rng, staff):
    """Approval steps of a case that reached approval, and the level whose
    turn it is (None when no step is pending)."""
    if "pending_approval" not in path:
        return [], None
    levels = levels_for(amount_cny)
    entered = moments[path.index("pending_approval")]
    left = (
        moments[path.index("pending_approval") + 1]
        if state != "pending_approval"
        else None
    )
    if state in APPROVED:
        turn, outcome = len(levels), None
    else:
        turn = rng.randrange(len(levels))
        outcome = "rejected" if state == "rejected" else "pending"
    deciders = {
        "ops_manager": lambda: rng.choice(staff.managers),
        "finance_director": lambda: staff.director,
        "committee": lambda: staff.committee,
    }
    span = (left or entered + timedelta(hours=4)) - entered
    steps = []
    for position, level in enumerate(levels, 1):
        activated = entered + span * (position - 1) / (len(levels) + 1)
        decided = entered + span * position / (len(levels) + 1)
        if position - 1 < turn:
            status, by, at, approved = "approved", deciders[level](), decided, amount
        elif position - 1 == turn:
            status, by, at, approved = outcome, None, None, None
            if outcome == "rejected":
                by, at = deciders[level](), left
        else:
            status, by, at, approved = (
                "cancelled" if outcome == "rejected" else "waiting",
                None,
                None,
                None,
            )
            activated = None
        steps.append(
            (
                refund_id,
                1,
                position,
                level,
                status,
                by,
                at,
                approved,
                "",
                activated,
                entered,
                at or entered,
            )
        )
    pending = levels[turn] if outcome == "pending" else None
    return steps, pending


def case_earmark(refund_id, state, approved_amount_cny, decided_at, rng, pool_id):
    """The pool's promise to an approved case not yet paid."""
    if state not in ("approved", "disbursing", "disbursement_failed"):
        return None
    waiting = state == "approved" and rng.random() < AWAITING_FUNDS_SHARE
    return (
        refund_id,
        pool_id,
        approved_amount_cny,
        "awaiting_funds" if waiting else "held",
        None if waiting else decided_at,
        decided_at,
        decided_at,
    )


def earmark_entry(earmark, pool_id, finance_officer) -> tuple | None:
    refund_id, _, amount, status, earmarked_at, *_ = earmark
    if status != "held":
        return None
    return (
        pool_id,
        "earmark",
        "0.00",
        amount,
        refund_id,
        None,
        "",
        finance_officer,
        earmarked_at,
    )
