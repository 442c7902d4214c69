from importlib import import_module

import pytest
from django.apps import apps

from operations.models import Stage, StageClock
from operations.selectors import sla_panel
from parkportal.core import clock
from refunds.models import RefundRequest
from refunds.models.case import NO_DEADLINE
from refunds.services.lifecycle import refund_approve, refund_forward, refund_transition
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


def open_clock(refund, stage):
    return StageClock.objects.get(refund=refund, stage=stage, ended_at__isnull=True)


def test_submission_starts_the_review_and_total_clocks_in_business_time(cases):
    with clock.travel(at(2025, 6, 9, 9, 0)):  # a Monday
        refund = cases.under_review()

    review = open_clock(refund, Stage.REVIEW)
    # Sixteen business hours: Monday and Tuesday.
    assert review.deadline == at(2025, 6, 10, 18, 0)
    # Reminder at three quarters: twelve hours in, Tuesday 14:00.
    assert review.remind_at == at(2025, 6, 10, 14, 0)
    assert open_clock(refund, Stage.TOTAL).deadline == at(2025, 6, 20, 18, 0)


def test_a_deadline_spans_the_national_day_holiday(cases):
    with clock.travel(at(2025, 9, 30, 9, 0)):
        refund = cases.under_review()

    # Eight hours on Sep 30, then Oct 1-8 are off: Oct 9 closes the review.
    assert open_clock(refund, Stage.REVIEW).deadline == at(2025, 10, 9, 18, 0)


def test_the_clock_pauses_while_the_enterprise_is_asked_and_resumes_on_answer(
    cases, olivia, alice
):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review()
    with clock.travel(at(2025, 6, 9, 14, 0)):  # four business hours used
        refund_transition(
            refund_id=refund.pk, name="request_info", actor=olivia, comment="Lease?"
        )

    review = open_clock(refund, Stage.REVIEW)
    assert review.is_paused
    assert review.consumed_minutes == 4 * 60
    assert review.deadline is None
    assert open_clock(refund, Stage.TOTAL).is_paused

    with clock.travel(at(2025, 6, 12, 10, 0)):  # three days later
        refund_transition(
            refund_id=refund.pk, name="respond", actor=alice, comment="Attached"
        )

    review.refresh_from_db()
    # Twelve hours left from Thursday 10:00: 7 on Thursday, 5 on Friday.
    assert review.deadline == at(2025, 6, 13, 15, 0)
    assert not review.is_paused


def test_forwarding_ends_review_and_starts_the_approval_level(cases, olivia, mark):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review(amount="200000.00")
    with clock.travel(at(2025, 6, 9, 11, 0)):
        refund_forward(refund_id=refund.pk, actor=olivia)

    review = StageClock.objects.get(refund=refund, stage=Stage.REVIEW)
    assert review.ended_at == at(2025, 6, 9, 11, 0)
    assert review.consumed_minutes == 120
    manager = open_clock(refund, Stage.APPROVAL_OPS_MANAGER)
    assert manager.deadline == at(2025, 6, 10, 11, 0)

    with clock.travel(at(2025, 6, 9, 15, 0)):
        refund_approve(refund_id=refund.pk, actor=mark)

    assert open_clock(refund, Stage.APPROVAL_FINANCE_DIRECTOR).started_at == at(
        2025, 6, 9, 15, 0
    )
    assert not StageClock.objects.filter(
        refund=refund, stage=Stage.APPROVAL_OPS_MANAGER, ended_at__isnull=True
    ).exists()


def test_the_last_approval_starts_the_disbursement_clock(cases, mark):
    refund = cases.approved([mark])

    assert open_clock(refund, Stage.DISBURSEMENT).deadline is not None
    assert set(
        StageClock.objects.filter(refund=refund, ended_at__isnull=True).values_list(
            "stage", flat=True
        )
    ) == {Stage.DISBURSEMENT, Stage.TOTAL}


def test_green_channel_targets_are_shorter(vip_cases, greta):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = vip_cases.under_review()

    review = open_clock(refund, Stage.REVIEW)
    assert review.channel == "green"
    assert review.deadline == at(2025, 6, 9, 18, 0)


def test_the_sla_panel_shows_each_stage_and_the_total_with_time_left_or_overdue(
    cases, olivia
):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review()

    with clock.travel(at(2025, 6, 9, 10, 0)):
        early = sla_panel(refund=refund)
    with clock.travel(at(2025, 6, 11, 10, 0)):
        late = sla_panel(refund=refund)

    assert early["stages"][0]["stage"] == Stage.REVIEW
    assert early["stages"][0]["status"] == "running"
    assert early["stages"][0]["left_minutes"] == 15 * 60
    assert early["total"]["left_minutes"] == 79 * 60
    assert late["stages"][0]["status"] == "overdue"
    assert late["stages"][0]["overdue_minutes"] == 60
    assert late["total"]["status"] == "running"


def stored_deadline(refund):
    refund.refresh_from_db(fields=["next_deadline"])
    return refund.next_deadline


def test_the_case_keeps_its_nearest_running_deadline_for_the_queues(
    cases, olivia, alice
):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review()
    # The review's Tuesday evening comes before the whole case's.
    assert stored_deadline(refund) == at(2025, 6, 10, 18, 0)

    with clock.travel(at(2025, 6, 9, 14, 0)):
        refund_transition(
            refund_id=refund.pk, name="request_info", actor=olivia, comment="Lease?"
        )
    assert stored_deadline(refund) == NO_DEADLINE

    with clock.travel(at(2025, 6, 12, 10, 0)):
        refund_transition(
            refund_id=refund.pk, name="respond", actor=alice, comment="Attached"
        )
    assert stored_deadline(refund) == at(2025, 6, 13, 15, 0)

    with clock.travel(at(2025, 6, 12, 11, 0)):
        refund_transition(
            refund_id=refund.pk, name="withdraw", actor=alice, comment="Paid by mistake"
        )
    assert stored_deadline(refund) == NO_DEADLINE


def test_the_migration_stores_the_nearest_deadline_of_existing_cases(cases):
    backfill = import_module("operations.migrations.0004_backfill_next_deadline")
    with clock.travel(at(2025, 6, 9, 9, 0)):
        refund = cases.under_review()
        draft = cases.draft()
    RefundRequest.objects.update(next_deadline=NO_DEADLINE)

    backfill.backfill(apps, None)

    assert stored_deadline(refund) == at(2025, 6, 10, 18, 0)
    assert stored_deadline(draft) == NO_DEADLINE
