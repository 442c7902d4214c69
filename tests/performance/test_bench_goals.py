"""The benchmark judges its goals on the figures of one run."""

from bench.goals import report, request_share, verdicts


def row(name, p50, floor=None, p95=None):
    figures = {"name": name, "p50_ms": p50, "p95_ms": p95 or p50}
    if floor is not None:
        figures.update(
            floor_p50_ms=floor,
            floor_p95_ms=floor,
            ratio_p50=p50 / floor,
            ratio_p95=(p95 or p50) / floor,
        )
    return figures


def test_a_read_within_twice_its_floor_meets_the_goal_and_one_beyond_does_not():
    rows = [row("ops_queue_first_page", 1.9, floor=1.0), row("case_detail", 2.5, 1.0)]

    found = {(v.measure, v.goal): v.met for v in verdicts(rows)}

    assert found == {
        ("ops_queue_first_page", "p50 within 2x its floor"): True,
        ("ops_queue_first_page", "p95 within 3x its floor"): True,
        ("case_detail", "p50 within 2x its floor"): False,
    }


def test_a_deep_page_is_judged_against_the_first_page_of_the_same_run():
    rows = [
        row("team_queue_first_page", 4.0, floor=1.0),
        row("team_queue_deep_page", 5.2, floor=1.0),
    ]

    deep = [v for v in verdicts(rows) if v.goal == "deep page as fast as the first"]

    assert [(v.measure, v.figure, v.met) for v in deep] == [
        ("team_queue_deep_page", 1.3, False)
    ]


def test_dashboard_figures_are_held_to_one_and_a_half_times_their_sql():
    rows = [row("flows", 14.0, floor=10.0), row("stuck_cases", 16.0, floor=10.0)]

    assert [(v.measure, v.met) for v in verdicts(rows)] == [
        ("flows", True),
        ("stuck_cases", False),
    ]


def test_writes_and_reads_without_a_floor_are_not_judged():
    rows = [row("submission", 100.0), row("signed_in_healthz", 1.0)]

    assert verdicts(rows) == []


def test_the_request_share_takes_off_a_signed_in_request_that_reads_nothing():
    rows = [row("signed_in_healthz", 1.5), row("case_detail", 2.5, floor=0.5)]

    assert request_share(rows) == {"case_detail": 2.0}
    assert "NOT met" in report(rows)
    assert "2.00x the floor above a signed-in request" in report(rows)
