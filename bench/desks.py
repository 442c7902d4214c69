"""The desks' reads: an ops specialist's queue, a manager's approvals inbox
and the pool's cash-flow forecast, through the real HTTP stack, next to the
same rows fetched by hand-written SQL."""

from django.test import Client

from parkportal.accounts.models import User

QUEUE_STATES = ["under_review", "info_requested", "on_hold"]
QUEUE_URL = "/api/v1/operations/queues/mine/?state=" + ",".join(QUEUE_STATES)
TEAM_URL = "/api/v1/operations/queues/team/?state=under_review"
QUEUE_COLUMNS = (
    "r.id, r.reference, r.state, e.name, e.green_channel, r.amount, r.currency, "
    "r.risk_level, u.username, r.submitted_at, r.next_deadline"
)
QUEUE_JOINS = (
    "FROM refunds_refundrequest r JOIN accounts_enterprise e ON e.id = r.enterprise_id "
    "LEFT JOIN accounts_user u ON u.id = r.owner_id"
)
MINE_WHERE = "WHERE r.owner_id = %s AND r.state = ANY(%s)"
TEAM_WHERE = "WHERE r.state = 'under_review' AND r.owner_id IS NOT NULL"
PAGE = "ORDER BY r.next_deadline, r.id LIMIT 51"
# The API shows no deadline for the far-future value the column holds.
AFTER = (
    "AND (r.next_deadline, r.id) > "
    "(COALESCE(%s::timestamptz, '9999-12-31'::timestamptz), %s)"
)
INBOX_URL = "/refunds/approvals/"
PENDING = ["submitted", "under_review", "info_requested", "on_hold", "pending_approval"]
UNDECIDED = ["draft", *PENDING]


def _client(username: str) -> tuple[Client, User]:
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    return client, user


def _busiest_specialist() -> str:
    from refunds.models import RefundRequest

    owner = (
        RefundRequest.objects.filter(state__in=QUEUE_STATES, owner__isnull=False)
        .values_list("owner__username", flat=True)
        .order_by("owner__username")
        .first()
    )
    return owner


def _deep(client: Client, url: str, pages: int) -> tuple[str, dict]:
    for _ in range(pages):
        page = client.get(url).json()
        url = page["next"]
    return url, page["results"][-1]


def _get(client: Client, url: str):
    def call():
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]

    return call


def measurements() -> tuple[dict, dict]:
    specialist, owner = _client(_busiest_specialist())
    manager, _ = _client("bench-manager-1")
    director, _ = _client("bench-director")
    deep_url, last = _deep(specialist, QUEUE_URL, 4)
    team_deep_url, team_last = _deep(manager, TEAM_URL, 4)

    auditor = _auditor()
    reference = _case_with_history()
    search_url = f"{SEARCH_URL}?q={reference}"
    trail_url = f"{TRAIL_URL}?reference={reference}"

    calls = {
        "ops_queue_first_page": _get(specialist, QUEUE_URL),
        "ops_queue_deep_page": _get(specialist, deep_url),
        "team_queue_first_page": _get(manager, TEAM_URL),
        "team_queue_deep_page": _get(manager, team_deep_url),
        "approvals_inbox": _get(manager, INBOX_URL),
        "cash_flow_forecast": _get(director, "/api/v1/finance/pool/forecast/"),
        "case_search_by_reference": _get(manager, search_url),
        "audit_trail_of_a_case": _get(auditor, trail_url),
    }
    mine = [owner.pk, QUEUE_STATES]
    floors = {
        "ops_queue_first_page": [
            (f"SELECT {QUEUE_COLUMNS} {QUEUE_JOINS} {MINE_WHERE} {PAGE}", mine)
        ],
        "ops_queue_deep_page": [
            (
                f"SELECT {QUEUE_COLUMNS} {QUEUE_JOINS} {MINE_WHERE} {AFTER} {PAGE}",
                [*mine, last["next_deadline"], last["id"]],
            )
        ],
        "team_queue_first_page": [
            (f"SELECT {QUEUE_COLUMNS} {QUEUE_JOINS} {TEAM_WHERE} {PAGE}", [])
        ],
        "team_queue_deep_page": [
            (
                f"SELECT {QUEUE_COLUMNS} {QUEUE_JOINS} {TEAM_WHERE} {AFTER} {PAGE}",
                [team_last["next_deadline"], team_last["id"]],
            )
        ],
        "approvals_inbox": _inbox_floor(),
        "cash_flow_forecast": _forecast_floor(),
        "case_search_by_reference": [
            (
                "SELECT r.id, r.reference, r.state, e.name, r.amount, r.currency, "
                "r.created_at FROM refunds_refundrequest r JOIN accounts_enterprise e "
                "ON e.id = r.enterprise_id WHERE r.reference LIKE %s "
                "ORDER BY r.id DESC LIMIT 25",
                [f"{reference}%"],
            ),
            (
                "SELECT count(*) FROM refunds_refundrequest WHERE reference LIKE %s",
                [f"{reference}%"],
            ),
        ],
        "audit_trail_of_a_case": [
            (
                "SELECT a.id, a.occurred_at, a.actor_name, a.action, a.before, a.after, "
                "r.reference FROM refunds_auditevent a JOIN refunds_refundrequest r "
                "ON r.id = a.refund_id WHERE r.reference = %s ORDER BY a.id DESC LIMIT 25",
                [reference],
            ),
            (
                "SELECT count(*) FROM refunds_auditevent a JOIN refunds_refundrequest r "
                "ON r.id = a.refund_id WHERE r.reference = %s",
                [reference],
            ),
        ],
    }
    return calls, floors


SEARCH_URL = "/refunds/cases/"
TRAIL_URL = "/refunds/audit/trail/"


def _auditor() -> Client:
    from parkportal.accounts.services import user_grant_role

    user, _ = User.objects.get_or_create(username="bench-auditor")
    user_grant_role(user=user, role="auditor")
    client = Client()
    client.force_login(user)
    return client


def _case_with_history() -> str:
    """The reference of a closed case from the middle of the table: its
    audit events lie deep in the trail, which is read newest first."""
    from refunds.models import RefundRequest

    closed = RefundRequest.objects.filter(state="closed").order_by("id")
    return closed.values_list("reference", flat=True)[closed.count() // 2]


def _inbox_floor() -> list[tuple[str, list]]:
    """The page of the inbox: the pending steps at the manager's level
    with their cases, and the earlier decisions of those cases."""
    from refunds.views.common import PAGE_SIZE

    steps = (
        "SELECT s.id, s.level, s.activated_at, r.id, r.reference, r.amount, "
        "r.approved_amount, r.currency, r.reason, r.risk_level, r.applicant_id, "
        "r.owner_id, e.name FROM refunds_approvalstep s JOIN refunds_refundrequest r "
        "ON r.id = s.refund_id JOIN accounts_enterprise e ON e.id = r.enterprise_id "
        "WHERE s.level = 'ops_manager' AND s.status = 'pending' "
        "AND s.round = r.approval_round AND r.state = 'pending_approval' "
        "ORDER BY s.activated_at, s.id LIMIT %s"
    )
    earlier = (
        "SELECT e.refund_id, e.level, e.status, e.decided_at, e.approved_amount, "
        "e.comment, u.username FROM refunds_approvalstep e "
        "LEFT JOIN accounts_user u ON u.id = e.decided_by_id "
        "JOIN (SELECT s.refund_id, s.round, s.position FROM refunds_approvalstep s "
        "JOIN refunds_refundrequest r ON r.id = s.refund_id "
        "WHERE s.level = 'ops_manager' AND s.status = 'pending' "
        "AND s.round = r.approval_round AND r.state = 'pending_approval' "
        "ORDER BY s.activated_at, s.id LIMIT %s) page ON page.refund_id = e.refund_id "
        "AND e.round = page.round AND e.position < page.position"
    )
    return [(steps, [PAGE_SIZE]), (earlier, [PAGE_SIZE])]


def _forecast_floor() -> list[tuple[str, list]]:
    """What the forecast needs, aggregated in the database: the pool, the
    funds awaited, how often and how fast each stage led to approval in
    the past year, the pending amounts by state and day, planned top-ups."""
    statistics = (
        "WITH entered AS (SELECT DISTINCT ON (refund_id, state_after) refund_id, "
        "state_after, created_at FROM refunds_timelineentry WHERE created_at >= "
        "now() - interval '365 days' AND state_after = ANY(%s) "
        "ORDER BY refund_id, state_after, created_at), "
        "approved AS (SELECT DISTINCT ON (refund_id) refund_id, created_at "
        "FROM refunds_timelineentry WHERE kind = 'approve' AND state_after = 'approved' "
        "ORDER BY refund_id, created_at DESC) "
        "SELECT n.state_after, count(*), count(a.refund_id), "
        "avg(extract(epoch FROM a.created_at - n.created_at)) / 86400 "
        "FROM entered n JOIN refunds_refundrequest r ON r.id = n.refund_id "
        "LEFT JOIN approved a ON a.refund_id = n.refund_id "
        "WHERE r.state <> ALL(%s) GROUP BY n.state_after"
    )
    pending = (
        "SELECT state, (state_changed_at AT TIME ZONE 'Asia/Shanghai')::date, "
        "sum(COALESCE(amount_cny, amount)) FROM refunds_refundrequest "
        "WHERE state = ANY(%s) GROUP BY 1, 2"
    )
    return [
        (
            "SELECT balance, earmarked, low_watermark, currency FROM "
            "finance_reservepool WHERE code = 'main'",
            [],
        ),
        (
            "SELECT count(*), sum(amount_cny) FROM finance_earmark "
            "WHERE status = 'awaiting_funds'",
            [],
        ),
        (statistics, [PENDING, UNDECIDED]),
        (pending, [PENDING]),
        (
            "SELECT expected_on, amount FROM finance_topup WHERE status = 'proposed' "
            "AND expected_on IS NOT NULL",
            [],
        ),
    ]
