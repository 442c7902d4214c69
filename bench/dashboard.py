"""Dashboard figures: each selector and endpoint next to the best
hand-written SQL for the same figure."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from parkportal.dashboard import selectors

WAITING = tuple(selectors.WAITING_STATES)
FLOW = tuple(selectors.FLOW_STATES.values())
LEFT = tuple(selectors.LEFT_STATES)


def _period(today):
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    return end - timedelta(days=30), end


def floors(start, end) -> dict[str, list[tuple[str, list]]]:
    flows = (
        "SELECT state, count(*), sum(amount_cny) FROM dashboard_stagevisit "
        "WHERE state = ANY(%s) AND entered_at >= %s AND entered_at < %s GROUP BY state",
        [list(FLOW), start, end],
    )
    cycle = (
        "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM entered_at - submitted_at)), percentile_cont(0.9) WITHIN GROUP "
        "(ORDER BY extract(epoch FROM entered_at - submitted_at)) FROM dashboard_stagevisit "
        "WHERE state = 'disbursed' AND entered_at >= %s AND entered_at < %s",
        [start, end],
    )
    stages = (
        "SELECT state, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds), "
        "percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_seconds) FROM dashboard_stagevisit "
        "WHERE state = ANY(%s) AND left_at >= %s AND left_at < %s GROUP BY state",
        [list(WAITING), start, end],
    )
    by_reason = (
        "SELECT reason, count(*), sum(amount_cny) FROM dashboard_stagevisit "
        "WHERE state = 'submitted' AND entered_at >= %s AND entered_at < %s GROUP BY reason",
        [start, end],
    )
    by_enterprise = (
        "SELECT e.name, count(*), sum(v.amount_cny) AS total FROM dashboard_stagevisit v "
        "JOIN accounts_enterprise e ON e.id = v.enterprise_id WHERE v.state = 'submitted' "
        "AND v.entered_at >= %s AND v.entered_at < %s GROUP BY e.name ORDER BY total DESC",
        [start, end],
    )
    edges = (
        "SELECT state, next_state, count(*) FROM dashboard_stagevisit "
        "WHERE state = ANY(%s) AND left_at >= %s AND left_at < %s "
        "GROUP BY state, next_state",
        [list(LEFT), start, end],
    )
    waiting = (
        "SELECT state, count(*) FROM dashboard_stagevisit "
        "WHERE state = ANY(%s) AND left_at IS NULL GROUP BY state",
        [list(LEFT)],
    )
    trend = (
        "SELECT month, state, sum(count), sum(amount_cny) FROM dashboard_monthlyflow "
        "WHERE month >= %s AND state = ANY(%s) GROUP BY month, state",
        [(start - timedelta(days=335)).date().replace(day=1), list(FLOW)],
    )
    stuck = (
        "SELECT v.refund_id, r.reference, e.name, v.entered_at, v.amount_cny "
        "FROM dashboard_stagevisit v JOIN refunds_refundrequest r ON r.id = v.refund_id "
        "JOIN accounts_enterprise e ON e.id = v.enterprise_id "
        "WHERE v.state = 'pending_approval' AND v.left_at IS NULL ORDER BY v.entered_at LIMIT 20",
        [],
    )
    previous = [
        (sql, [*params[:-2], start - (end - start), start])
        if len(params) >= 2
        else (sql, params)
        for sql, params in (flows, cycle, stages)
    ]
    return {
        "flows": [flows],
        "cycle_time": [cycle],
        "stage_times": [stages],
        "breakdown_reason": [by_reason],
        "breakdown_enterprise": [by_enterprise],
        "process_map": [edges, waiting, stages],
        "trend_12_months": [trend],
        "stuck_cases": [stuck],
        "api_figures": [
            flows,
            cycle,
            stages,
            *previous,
            by_reason,
            by_enterprise,
            (by_reason[0].replace("reason", "currency"), by_reason[1]),
        ],
        "api_process_map": [edges, waiting, stages],
        "api_trend": [trend],
    }


def measurements(client, today) -> dict:
    """name -> callable doing the work through parkportal."""
    start, end = _period(today)
    params = {"start": start.date().isoformat(), "end": end.date().isoformat()}

    def get(url, query=None):
        def call():
            response = client.get(url, query or {})
            assert response.status_code == 200, response.content[:200]
            return response

        return call

    first_month = (start - timedelta(days=335)).date().replace(day=1)
    return {
        "flows": lambda: selectors.flows(start, end),
        "cycle_time": lambda: selectors.cycle_time(start, end),
        "stage_times": lambda: selectors.stage_times(start, end),
        "breakdown_reason": lambda: selectors.breakdown(start, end, "reason"),
        "breakdown_enterprise": lambda: selectors.breakdown(start, end, "enterprise"),
        "process_map": lambda: selectors.process_map(start, end),
        "trend_12_months": lambda: selectors.monthly_trend(first_month, 12),
        "stuck_cases": lambda: selectors.stuck_cases("pending_approval"),
        "api_figures": get("/api/v1/dashboard/figures/", params),
        "api_process_map": get("/api/v1/dashboard/process-map/", params),
        "api_trend": get("/api/v1/dashboard/trend/"),
    }, floors(start, end)
