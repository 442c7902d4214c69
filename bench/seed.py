"""Fill a PostgreSQL database with a park's worth of history, fast.

Rows are generated in Python and streamed with COPY in chunks; the
proportions of states, amounts and ages follow a park a year into using
parkportal. The generator is seeded, so two runs make the same data.
"""

import io
import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection

from bench import seed_desks as desks
from parkportal.accounts.validators import USCC_ALPHABET, uscc_check_character
from refunds.models.case import NO_DEADLINE

# Share of cases per current state.
STATE_MIX = {
    "closed": 0.45,
    "under_review": 0.12,
    "pending_approval": 0.08,
    "rejected": 0.08,
    "draft": 0.05,
    "withdrawn": 0.05,
    "info_requested": 0.05,
    "disbursed": 0.04,
    "approved": 0.03,
    "disbursing": 0.02,
    "on_hold": 0.02,
    "submitted": 0.005,
    "disbursement_failed": 0.005,
}
REVIEW = ["draft", "submitted", "under_review"]
APPROVAL = [*REVIEW, "pending_approval"]
PAYMENT = [*APPROVAL, "approved", "disbursing"]
PATHS = {
    "draft": ["draft"],
    "submitted": ["draft", "submitted"],
    "under_review": REVIEW,
    "info_requested": [*REVIEW, "info_requested"],
    "on_hold": [*REVIEW, "on_hold"],
    "withdrawn": [*REVIEW, "withdrawn"],
    "pending_approval": APPROVAL,
    "rejected": [*APPROVAL, "rejected"],
    "approved": [*APPROVAL, "approved"],
    "disbursing": PAYMENT,
    "disbursement_failed": [*PAYMENT, "disbursement_failed"],
    "disbursed": [*PAYMENT, "disbursed"],
    "closed": [*PAYMENT, "disbursed", "closed"],
}
# Median hours a case stays in a state before moving on.
STAY_HOURS = {
    "draft": 6,
    "submitted": 0,
    "under_review": 40,
    "info_requested": 60,
    "on_hold": 30,
    "pending_approval": 55,
    "approved": 20,
    "disbursing": 45,
    "disbursed": 70,
}
FINAL = {"closed", "rejected", "withdrawn"}
REASONS = ["deposit", "prepaid_fee", "overpayment", "incentive_correction", "other"]
CURRENCIES = [("CNY", 0.9), ("USD", 0.05), ("EUR", 0.02), ("HKD", 0.02), ("JPY", 0.01)]
RATES = {
    "CNY": Decimal("1"),
    "USD": Decimal("7.1"),
    "EUR": Decimal("7.8"),
    "HKD": Decimal("0.91"),
    "JPY": Decimal("0.048"),
}
CHUNK = 20_000


def _credit_code(n: int) -> str:
    body = "91320500" + f"{n:09d}"
    body = "".join(char if char in USCC_ALPHABET else "0" for char in body)
    return body + uscc_check_character(body)


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples) into table; returns the row count."""
    buffer = io.StringIO()
    count = 0
    for row in rows:
        buffer.write("\t".join(_cell(value) for value in row))
        buffer.write("\n")
        count += 1
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer
        )
    return count


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def seed(
    *, cases: int, enterprises: int, now: datetime | None = None, rng_seed: int = 7
) -> dict:
    rng = random.Random(rng_seed)
    now = now or datetime.now(UTC)
    figures = {}
    started = time.perf_counter()

    figures["enterprises"] = _copy(
        "accounts_enterprise",
        [
            "id",
            "name",
            "credit_code",
            "contact_name",
            "contact_email",
            "contact_phone",
            "green_channel",
            "registered_on",
            "created_at",
            "updated_at",
        ],
        (
            (
                n,
                f"Enterprise {n:05d}",
                _credit_code(n),
                "",
                f"e{n}@bench.example",
                "",
                n % 20 == 0,
                "2020-01-01",
                now,
                now,
            )
            for n in range(1, enterprises + 1)
        ),
    )
    figures["users"] = _copy(
        "accounts_user",
        [
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
        ],
        (
            (
                n,
                "!",
                False,
                f"bench-enterprise-{n}",
                "",
                "",
                "",
                False,
                True,
                now,
                "",
                "zh-hans",
                n,
            )
            for n in range(1, enterprises + 1)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM auth_group")
        groups = dict(cursor.fetchall())
    _copy(
        "accounts_user_groups",
        ["user_id", "group_id"],
        ((n, groups["enterprise"]) for n in range(1, enterprises + 1)),
    )
    staff = desks.staff_for(cases=cases, first_id=enterprises + 1)
    figures["staff"] = _copy(
        "accounts_user", desks.STAFF_COLUMNS, (r + (None,) for r in staff.rows(now))
    )
    _copy(
        "accounts_user_groups",
        ["user_id", "group_id"],
        ((pk, groups[role]) for pk, role in staff.roles()),
    )
    # COPY leaves the roles the user's row carries empty (NULL: read the
    # groups); fill them as the signals would have.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user u SET role_names = ("
            " SELECT jsonb_agg(g.name ORDER BY g.name) FROM accounts_user_groups m"
            " JOIN auth_group g ON g.id = m.group_id WHERE m.user_id = u.id)"
            " WHERE u.role_names IS NULL"
            " AND EXISTS (SELECT 1 FROM accounts_user_groups m WHERE m.user_id = u.id)"
        )
    _copy(
        "operations_specialistprofile",
        desks.PROFILE_COLUMNS,
        ((pk, True, "1.00", False, now, now) for pk in staff.specialists),
    )
    figures["contracts"] = _copy(
        "accounts_contract",
        [
            "id",
            "number",
            "title",
            "paid_amount",
            "currency",
            "signed_on",
            "created_at",
            "updated_at",
            "enterprise_id",
        ],
        (
            (n, f"HT-{n:06d}", "", "900000000000.00", "CNY", None, now, now, n)
            for n in range(1, enterprises + 1)
        ),
    )
    for table in ("accounts_enterprise", "accounts_user", "accounts_contract"):
        _reset_sequence(table)

    # Cases stream in chunks so memory stays flat however many are asked.
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM finance_reservepool WHERE code = 'main'")
        pool_id = cursor.fetchone()[0]
    figures.update(
        refunds=0,
        stage_visits=0,
        timeline_entries=0,
        stage_clocks=0,
        approval_steps=0,
        earmarks=0,
        ledger_entries=0,
    )
    earmarked = Decimal("0.00")
    for first in range(1, cases + 1, CHUNK):
        histories = [
            _history(n, rng, now, enterprises, staff)
            for n in range(first, min(first + CHUNK, cases + 1))
        ]
        earmarks = [
            m
            for m in (
                desks.case_earmark(*h["earmark"], rng, pool_id)
                for h in histories
                if h["earmark"]
            )
            if m
        ]
        entries = [
            e
            for e in (
                desks.earmark_entry(m, pool_id, staff.finance_officer) for m in earmarks
            )
            if e
        ]
        earmarked += sum((e[3] for e in entries), Decimal("0.00"))
        figures["refunds"] += _copy(
            "refunds_refundrequest", REFUND_COLUMNS, (h["refund"] for h in histories)
        )
        figures["stage_visits"] += _copy(
            "dashboard_stagevisit",
            VISIT_COLUMNS,
            (v for h in histories for v in h["visits"]),
        )
        figures["timeline_entries"] += _copy(
            "refunds_timelineentry",
            TIMELINE_COLUMNS,
            (t for h in histories for t in h["timeline"]),
        )
        figures["stage_clocks"] += _copy(
            "operations_stageclock",
            desks.CLOCK_COLUMNS,
            (c for h in histories for c in h["clocks"]),
        )
        figures["approval_steps"] += _copy(
            "refunds_approvalstep",
            desks.STEP_COLUMNS,
            (s for h in histories for s in h["steps"]),
        )
        figures["earmarks"] += _copy("finance_earmark", desks.EARMARK_COLUMNS, earmarks)
        figures["ledger_entries"] += _copy(
            "finance_ledgerentry", desks.LEDGER_COLUMNS, entries
        )
    figures["ledger_entries"] += _fund_pool(pool_id, earmarked, staff, now)
    for table in (
        "refunds_refundrequest",
        "dashboard_stagevisit",
        "refunds_timelineentry",
        "operations_stageclock",
        "refunds_approvalstep",
        "finance_earmark",
        "finance_topup",
        "finance_ledgerentry",
    ):
        _reset_sequence(table)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO refunds_referencecounter (year, last_number) VALUES (%s, %s) "
            "ON CONFLICT (year) DO UPDATE SET last_number = EXCLUDED.last_number",
            [now.year, cases],
        )
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    rows = sum(figures.values())
    figures["seconds"] = round(elapsed, 1)
    figures["rows_per_second"] = round(rows / elapsed)
    return figures


REFUND_COLUMNS = [
    "id",
    "reference",
    "state",
    "reason",
    "description",
    "amount",
    "currency",
    "amount_cny",
    "approved_amount",
    "approved_amount_cny",
    "fx_rate_at_approval",
    "payee_name",
    "payee_bank",
    "payee_account",
    "risk_level",
    "risk_score",
    "risk_assessed_at",
    "extra_approval_levels",
    "approval_round",
    "submitted_at",
    "decided_at",
    "closed_at",
    "state_changed_at",
    "version",
    "created_at",
    "updated_at",
    "applicant_id",
    "contract_id",
    "enterprise_id",
    "owner_id",
    "next_deadline",
]
VISIT_COLUMNS = [
    "refund_id",
    "state",
    "entered_at",
    "left_at",
    "next_state",
    "duration_seconds",
    "reason",
    "currency",
    "green_channel",
    "amount_cny",
    "enterprise_id",
    "submitted_at",
]
TIMELINE_COLUMNS = [
    "refund_id",
    "kind",
    "state_before",
    "state_after",
    "params",
    "visible_to_enterprise",
    "created_at",
    "actor_id",
    "on_behalf_of_id",
]
TRANSITION_INTO = {
    "submitted": "submit",
    "under_review": "start_review",
    "info_requested": "request_info",
    "on_hold": "hold",
    "pending_approval": "forward",
    "approved": "approve",
    "rejected": "reject",
    "withdrawn": "withdraw",
    "disbursing": "schedule",
    "disbursed": "confirm_paid",
    "disbursement_failed": "mark_failed",
    "closed": "close",
}


def _fund_pool(pool_id, earmarked: Decimal, staff, now: datetime) -> int:
    """Twelve monthly top-ups that leave a fifth of the pool free beyond
    what is earmarked, and three proposed ones expected in the coming
    weeks; the pool's running totals agree with its ledger."""
    balance = (earmarked * Decimal("1.25")).quantize(Decimal("0.01"))
    monthly = (balance / 12).quantize(Decimal("0.01"))
    amounts = [monthly] * 11 + [balance - monthly * 11]
    top_ups = [
        (
            n,
            pool_id,
            amount,
            "confirmed",
            None,
            f"BK{n:06d}",
            "",
            staff.finance_officer,
            staff.director,
            now - timedelta(days=30 * (12 - n)),
            now - timedelta(days=30 * (12 - n) + 1),
            now,
        )
        for n, amount in enumerate(amounts, 1)
    ]
    top_ups += [
        (
            12 + n,
            pool_id,
            (balance / 10).quantize(Decimal("0.01")),
            "proposed",
            (now + timedelta(weeks=weeks)).date(),
            "",
            "",
            staff.finance_officer,
            None,
            None,
            now,
            now,
        )
        for n, weeks in enumerate((1, 3, 6), 1)
    ]
    _copy("finance_topup", TOP_UP_COLUMNS, top_ups)
    count = _copy(
        "finance_ledgerentry",
        desks.LEDGER_COLUMNS,
        (
            (pool_id, "top_up", t[2], "0.00", None, t[0], "", t[7], t[9])
            for t in top_ups
            if t[3] == "confirmed"
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE finance_reservepool SET balance = %s, earmarked = %s WHERE id = %s",
            [balance, earmarked, pool_id],
        )
    return count


TOP_UP_COLUMNS = [
    "id",
    "pool_id",
    "amount",
    "status",
    "expected_on",
    "bank_reference",
    "note",
    "proposed_by_id",
    "decided_by_id",
    "decided_at",
    "created_at",
    "updated_at",
]


def _pick_state(rng: random.Random) -> str:
    roll = rng.random()
    for state, share in STATE_MIX.items():
        roll -= share
        if roll <= 0:
            return state
    return "closed"


def _history(
    n: int, rng: random.Random, now: datetime, enterprises: int, staff
) -> dict:
    state = _pick_state(rng)
    path = PATHS[state]
    stays = [
        timedelta(hours=rng.lognormvariate(0, 0.8) * STAY_HOURS.get(s, 0))
        for s in path[:-1]
    ]
    # Open cases are recent; finished ones spread over the year.
    span = (
        timedelta(days=30)
        if state not in FINAL and state != "disbursed"
        else timedelta(days=365)
    )
    last_entry = now - timedelta(seconds=rng.random() * span.total_seconds())
    created = last_entry - sum(stays, timedelta())
    enterprise_id = rng.randint(1, enterprises)
    currency = rng.choices([c for c, _ in CURRENCIES], [w for _, w in CURRENCIES])[0]
    amount = Decimal(rng.randint(1_000, 2_000_000)).quantize(Decimal("0.01"))
    amount_cny = (amount * RATES[currency]).quantize(Decimal("0.01"))
    reason = rng.choice(REASONS)
    green = enterprise_id % 20 == 0

    moments = [created]
    for stay in stays:
        moments.append(moments[-1] + stay)
    submitted = moments[1] if len(moments) > 1 else None
    approved = state in (
        "approved",
        "disbursing",
        "disbursed",
        "closed",
        "disbursement_failed",
    )
    refund = (
        n,
        f"RF-{now.year}-{n:06d}",
        state,
        reason,
        "",
        amount,
        currency,
        amount_cny if submitted else None,
        amount if approved else None,
        amount_cny if approved else None,
        RATES[currency] if approved else None,
        f"Enterprise {enterprise_id:05d}",
        "Bench Bank",
        f"6222{n:012d}",
        "low" if submitted else "",
        0 if submitted else None,
        submitted,
        "[]",
        1 if "pending_approval" in path else 0,
        submitted,
        moments[path.index("pending_approval") + 1]
        if approved or state == "rejected"
        else None,
        moments[-1] if state == "closed" else None,
        moments[-1],
        len(path),
        created,
        moments[-1],
        enterprise_id,
        enterprise_id,
        enterprise_id,
        desks.case_owner(state, rng, staff),
    )
    steps, pending_level = desks.case_steps(
        n, state, path, moments, amount, amount_cny, rng, staff
    )
    clocks = desks.case_clocks(n, state, path, moments, green, pending_level, now)
    deadlines = [c[desks.CLOCK_COLUMNS.index("deadline")] for c in clocks]
    refund += (min(filter(None, deadlines), default=NO_DEADLINE),)
    earmark = (n, state, refund[9], refund[20]) if approved else None
    visits, timeline = [], []
    for index, visit_state in enumerate(path):
        entered = moments[index]
        is_last = index == len(path) - 1
        left = (
            entered
            if visit_state in FINAL
            else (None if is_last else moments[index + 1])
        )
        visits.append(
            (
                n,
                visit_state,
                entered,
                left,
                "" if is_last else path[index + 1],
                None if left is None else int((left - entered).total_seconds()),
                reason,
                currency,
                green,
                amount_cny if submitted else None,
                enterprise_id,
                submitted if visit_state == "disbursed" else None,
            )
        )
        if index:
            timeline.append(
                (
                    n,
                    TRANSITION_INTO[visit_state],
                    path[index - 1],
                    visit_state,
                    json.dumps({}),
                    visit_state != "under_review",
                    entered,
                    enterprise_id if index == 1 else None,
                    None,
                )
            )
    return {
        "refund": refund,
        "visits": visits,
        "timeline": timeline,
        "clocks": clocks,
        "steps": steps,
        "earmark": earmark,
    }
