import datetime

import pytest
from django.urls import reverse

from parkportal.core import clock
from parkportal.core.errors import InvalidInput
from parkportal.core.models import Job, JobStatus
from refunds.services.lifecycle import refund_submit
from risk.models import Assessment, Backtest, Rule, RuleResult
from risk.services.backtests import backtest_run, backtest_start
from risk.services.rules import rule_new_version
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def history(cases, alice, globex, screened):
    """Five screened cases: plain, a duplicate, a large one, one paid to
    another enterprise's account, and one more plain one."""
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    drafts = [
        cases.draft(amount="50000.00"),
        cases.draft(amount="50000.00"),
        cases.draft(amount="2500000.00"),
        cases.draft(amount="8000.00", payee_account="6222999900001111"),
        cases.draft(amount="9100.00"),
    ]
    for draft in drafts:
        screened(refund_submit, refund_id=draft.pk, actor=alice)
    return drafts


def test_backtesting_the_live_version_gives_the_live_results(history, rita):
    start, end = clock.now() - HOUR, clock.now() + HOUR

    for rule in Rule.objects.all():
        backtest = backtest_run(
            version_id=rule.live_version_id, actor=rita, start=start, end=end
        )

        assert backtest.cases == 5
        for row in backtest.results.all():
            live = RuleResult.objects.get(assessment=row.assessment, rule=rule)
            assert (
                row.candidate_status,
                row.candidate_message,
                row.candidate_params,
            ) == (
                live.status,
                live.message,
                live.params,
            ), rule.code
        assert backtest.candidate_hits == backtest.baseline_hits


def test_the_live_results_include_hits_for_the_backtest_to_reproduce(history):
    hits = set(
        RuleResult.objects.filter(status="hit").values_list("rule__code", flat=True)
    )

    assert {"likely-duplicate", "amount-above-threshold", "payee-shared"} <= hits


def test_a_backtest_sees_history_as_it_stood_when_each_case_was_assessed(
    history, cases, alice, rita, screened
):
    # A later twin of the last case must not make that case a duplicate
    # in hindsight.
    screened(refund_submit, refund_id=cases.draft(amount="9100.00").pk, actor=alice)
    rule = Rule.objects.get(code="likely-duplicate")

    backtest = backtest_run(
        version_id=rule.live_version_id,
        actor=rita,
        start=clock.now() - HOUR,
        end=clock.now() + HOUR,
    )

    statuses = {row.refund_id: row.candidate_status for row in backtest.results.all()}
    assert statuses[history[4].pk] == "no_hit"
    assert list(statuses.values()).count("hit") == 2


def test_a_draft_version_is_compared_with_the_live_one(history, rita):
    rule = Rule.objects.get(code="amount-above-threshold")
    draft = rule_new_version(
        rule_id=rule.pk,
        actor=rita,
        parameters={"thresholds_cny": {"default": "40000.00"}},
        activate=False,
    )

    backtest = backtest_run(
        version_id=draft.pk,
        actor=rita,
        start=clock.now() - HOUR,
        end=clock.now() + HOUR,
    )

    assert backtest.baseline == rule.live_version
    assert backtest.baseline_hits == 1
    assert backtest.candidate_hits == 3
    rule.refresh_from_db()
    assert rule.live_version != draft


def test_a_backtest_replays_each_case_once_on_its_latest_assessment(history, rita):
    rule = Rule.objects.get(code="velocity")

    backtest = backtest_run(
        version_id=rule.live_version_id,
        actor=rita,
        start=clock.now() - HOUR,
        end=clock.now() + HOUR,
    )

    assert backtest.cases == Assessment.objects.values("refund").distinct().count()


def test_a_backtest_period_must_be_in_order(rita, db):
    rule = Rule.objects.get(code="velocity")

    with pytest.raises(InvalidInput):
        backtest_run(
            version_id=rule.live_version_id,
            actor=rita,
            start=clock.now(),
            end=clock.now() - HOUR,
        )


def test_a_backtest_reports_its_progress_as_it_replays(history, rita, monkeypatch):
    monkeypatch.setattr("risk.services.backtests.PROGRESS_EVERY", 2)
    rule = Rule.objects.get(code="velocity")
    reports = []

    backtest_run(
        version_id=rule.live_version_id,
        actor=rita,
        start=clock.now() - HOUR,
        end=clock.now() + HOUR,
        progress=lambda done, total: reports.append((done, total)),
    )

    assert reports == [(0, 5), (2, 5), (4, 5)]


def test_a_backtest_started_from_the_desk_runs_as_a_job(
    history, rita, django_capture_on_commit_callbacks
):
    rule = Rule.objects.get(code="velocity")

    with django_capture_on_commit_callbacks(execute=True):
        job = backtest_start(
            version_id=rule.live_version_id,
            actor=rita,
            start=clock.now() - HOUR,
            end=clock.now() + HOUR,
        )

    job.refresh_from_db()
    backtest = Backtest.objects.get()
    assert job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.result_url == reverse("risk:backtest", args=[backtest.pk])
    assert job.summary == "5 cases replayed."


def test_a_backtest_period_out_of_order_is_refused_before_a_job_is_queued(rita, db):
    rule = Rule.objects.get(code="velocity")

    with pytest.raises(InvalidInput):
        backtest_start(
            version_id=rule.live_version_id,
            actor=rita,
            start=clock.now(),
            end=clock.now() - HOUR,
        )

    assert not Job.objects.exists()
