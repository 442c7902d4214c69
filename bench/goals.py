"""The performance goals, judged on one run's rows.

Each goal compares figures of the same run: a read to its hand-written SQL
floor, or a deep page to the first. The verdicts are printed, never
asserted by a test, because absolute times on a shared machine are noise.
"""

from dataclasses import dataclass

QUEUES_AND_LISTS = (
    "ops_queue_first_page",
    "ops_queue_deep_page",
    "team_queue_first_page",
    "team_queue_deep_page",
    "enterprise_list_first_page",
    "enterprise_list_deep_page",
)
DEEP_PAGES = {
    "ops_queue_deep_page": "ops_queue_first_page",
    "team_queue_deep_page": "team_queue_first_page",
    "enterprise_list_deep_page": "enterprise_list_first_page",
}
DASHBOARD = (
    "flows",
    "cycle_time",
    "stage_times",
    "breakdown_reason",
    "breakdown_enterprise",
    "process_map",
    "trend_12_months",
    "stuck_cases",
    "api_figures",
    "api_process_map",
    "api_trend",
)
# Two runs of the same page differ by this much on a quiet machine.
SAME_SPEED = 1.2


@dataclass(frozen=True)
class Verdict:
    goal: str
    measure: str
    figure: float
    limit: float

    @property
    def met(self) -> bool:
        return self.figure <= self.limit


def verdicts(rows: list[dict]) -> list[Verdict]:
    """Every goal the run has the figures for."""
    by_name = {row["name"]: row for row in rows}
    found = []

    def against_floor(goal, names, key, limit):
        for name in names:
            row = by_name.get(name)
            if row is not None and key in row:
                found.append(Verdict(goal, name, row[key], limit))

    against_floor("p50 within 2x its floor", QUEUES_AND_LISTS, "ratio_p50", 2.0)
    against_floor("p95 within 3x its floor", QUEUES_AND_LISTS, "ratio_p95", 3.0)
    for deep, first in DEEP_PAGES.items():
        if deep in by_name and first in by_name:
            ratio = by_name[deep]["p50_ms"] / by_name[first]["p50_ms"]
            found.append(
                Verdict("deep page as fast as the first", deep, ratio, SAME_SPEED)
            )
    against_floor("p50 within 2x its floor", ("case_detail",), "ratio_p50", 2.0)
    against_floor("p50 within 1.5x its SQL", DASHBOARD, "ratio_p50", 1.5)
    return found


def request_share(rows: list[dict]) -> dict[str, float]:
    """For each read with a floor, the part of its p50 left once a signed-in
    request that reads nothing (`signed_in_healthz`) is taken off, as a
    multiple of the floor: what the endpoint's own work costs next to the
    SQL, apart from the fixed price of a request."""
    ceiling = next(
        (r["p50_ms"] for r in rows if r["name"] == "signed_in_healthz"), None
    )
    if ceiling is None:
        return {}
    return {
        row["name"]: (row["p50_ms"] - ceiling) / row["floor_p50_ms"]
        for row in rows
        if "floor_p50_ms" in row and row["name"] in (*QUEUES_AND_LISTS, "case_detail")
    }


def report(rows: list[dict]) -> str:
    lines = ["", "goals (figures of this run):"]
    shares = request_share(rows)
    for verdict in verdicts(rows):
        mark = "met" if verdict.met else "NOT met"
        extra = ""
        if verdict.goal.startswith("p50") and verdict.measure in shares:
            extra = (
                f"  [{shares[verdict.measure]:.2f}x the floor above a signed-in"
                " request that reads nothing]"
            )
        lines.append(
            f"  {mark:<8} {verdict.measure:<28} {verdict.goal:<32} "
            f"{verdict.figure:6.2f} (limit {verdict.limit:g}){extra}"
        )
    return "\n".join(lines)
