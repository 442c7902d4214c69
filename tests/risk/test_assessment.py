import pytest

from parkportal.core.errors import Conflict
from refunds.models import State, TimelineEntry
from refunds.services.documents import document_upload
from refunds.services.lifecycle import refund_forward, refund_submit
from risk.models import Assessment, Hold, ResultStatus, Rule, RuleVersion
from risk.services.assessment import assessment_run
from risk.tasks import assess_refund
from tests.factories import BankAccountFactory, pdf

pytestmark = pytest.mark.django_db


def test_submitting_a_plain_case_records_every_rule_and_passes(cases, alice, screened):
    refund = cases.draft()

    refund = screened(refund_submit, refund_id=refund.pk, actor=alice)

    refund.refresh_from_db()
    assessment = Assessment.objects.get(refund=refund)
    assert assessment.trigger == "submit"
    assert assessment.outcome == "pass"
    assert assessment.score == 0
    assert refund.state == State.UNDER_REVIEW
    assert refund.risk_assessed_at is not None
    assert refund.risk_level == "low"
    assert assessment.results.count() == Rule.objects.count() == 12
    assert set(assessment.results.values_list("status", flat=True)) == {"no_hit"}
    assert all(result.text("en") for result in assessment.results.all())


def test_a_payee_of_another_enterprise_puts_the_case_on_hold(
    cases, alice, globex, screened
):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")

    screened(refund_submit, refund_id=refund.pk, actor=alice)

    refund.refresh_from_db()
    assert refund.state == State.ON_HOLD
    assert refund.risk_level == "high"
    assert "committee" in refund.extra_approval_levels
    hold = Hold.objects.get(refund=refund)
    assert hold.status == "open"
    assert hold.assessment.held
    entry = TimelineEntry.objects.filter(refund=refund, kind="hold").get()
    assert "**** 1111" in entry.params["comment"]
    assert "Globex Materials" in entry.params["comment"]


def test_assessing_twice_with_the_same_inputs_holds_once(
    cases, alice, globex, screened
):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    first = Assessment.objects.get(refund=refund)

    again = assess_refund.delay(refund.pk, "submit").get()

    assert again == first.pk
    assert Assessment.objects.filter(refund=refund).count() == 1
    assert Hold.objects.filter(refund=refund).count() == 1
    assert TimelineEntry.objects.filter(refund=refund, kind="hold").count() == 1


def test_a_score_at_the_committee_threshold_adds_the_level_without_holding(
    cases, alice, screened
):
    refund = cases.draft(amount="2500000.00", payee_account="6222000099990000")

    screened(refund_submit, refund_id=refund.pk, actor=alice)

    refund.refresh_from_db()
    assessment = Assessment.objects.get(refund=refund)
    assert assessment.score == 70
    assert assessment.outcome == "review"
    assert assessment.add_committee
    assert refund.state == State.UNDER_REVIEW
    assert refund.extra_approval_levels == ["committee"]
    flag = TimelineEntry.objects.get(refund=refund, kind="risk_flag")
    assert not flag.visible_to_enterprise


def test_a_rule_that_fails_is_recorded_and_flags_without_holding(
    cases, alice, screened
):
    rule = Rule.objects.get(code="velocity")
    broken = RuleVersion.objects.create(
        rule=rule, number=2, parameters={"days": "thirty"}, score=40, status="live"
    )
    Rule.objects.filter(pk=rule.pk).update(live_version=broken)
    refund = cases.draft()

    screened(refund_submit, refund_id=refund.pk, actor=alice)

    refund.refresh_from_db()
    assessment = Assessment.objects.get(refund=refund)
    failed = assessment.results.get(rule=rule)
    assert failed.status == ResultStatus.ERROR
    assert "InvalidInput" in failed.text("en")
    assert assessment.error_count == 1
    assert assessment.outcome == "review"
    assert refund.state == State.UNDER_REVIEW
    assert refund.risk_assessed_at is not None


def test_a_document_added_during_review_is_screened_again(
    cases, alice, olivia, screened
):
    refund = cases.draft()
    screened(refund_submit, refund_id=refund.pk, actor=alice)

    screened(
        document_upload,
        refund_id=refund.pk,
        actor=olivia,
        kind="other",
        uploaded_file=pdf("note.pdf"),
    )

    triggers = list(
        Assessment.objects.filter(refund=refund)
        .order_by("id")
        .values_list("trigger", flat=True)
    )
    assert triggers == ["submit", "document"]


def test_a_cleared_reason_does_not_hold_the_case_again(
    cases, alice, olivia, rita, globex, screened
):
    from risk.services.holds import hold_clear

    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    hold = Hold.objects.get(refund=refund)
    hold_clear(hold_id=hold.pk, actor=rita, comment="Group company, same owner")

    screened(
        document_upload,
        refund_id=refund.pk,
        actor=olivia,
        kind="other",
        uploaded_file=pdf("note.pdf"),
    )

    refund.refresh_from_db()
    latest = Assessment.objects.filter(refund=refund).latest("id")
    assert latest.outcome == "hold"
    assert not latest.held
    assert refund.state == State.UNDER_REVIEW
    assert Hold.objects.filter(refund=refund).count() == 1


def test_disabled_and_snoozed_rules_do_not_run(cases, alice, screened):
    from datetime import timedelta

    from parkportal.core import clock

    Rule.objects.filter(code="velocity").update(enabled=False)
    Rule.objects.filter(code="fx-exposure").update(
        snoozed_until=clock.now() + timedelta(days=1)
    )
    refund = cases.draft()

    screened(refund_submit, refund_id=refund.pk, actor=alice)

    ran = set(
        Assessment.objects.get(refund=refund).results.values_list(
            "rule__code", flat=True
        )
    )
    assert "velocity" not in ran
    assert "fx-exposure" not in ran
    assert len(ran) == 10


def test_forward_waits_for_the_assessment(cases, alice, olivia):
    refund = refund_submit(refund_id=cases.draft().pk, actor=alice)
    type(refund).objects.filter(pk=refund.pk).update(owner=olivia)

    with pytest.raises(Conflict) as refused:
        refund_forward(refund_id=refund.pk, actor=olivia)
    assessment_run(refund_id=refund.pk, trigger="submit")
    forwarded = refund_forward(refund_id=refund.pk, actor=olivia)

    assert refused.value.code == "condition_not_met"
    assert forwarded.state == State.PENDING_APPROVAL


def test_drafts_and_closed_cases_are_not_assessed(cases):
    refund = cases.draft()

    assert assessment_run(refund_id=refund.pk, trigger="manual") is None
    assert not Assessment.objects.exists()


def test_the_catch_up_assesses_cases_whose_task_was_lost(cases, alice):
    import datetime

    from parkportal.core import clock
    from risk.tasks import assess_unscreened

    refund = refund_submit(refund_id=cases.draft().pk, actor=alice)

    assert assess_unscreened.delay().get() == 0
    with clock.travel(clock.now() + datetime.timedelta(minutes=10)):
        assert assess_unscreened.delay().get() == 1
        assert assess_unscreened.delay().get() == 0

    refund.refresh_from_db()
    assert refund.risk_assessed_at is not None
    assert Assessment.objects.filter(refund=refund).count() == 1


def test_a_payee_corrected_after_a_failed_payment_is_screened_again(
    cases, acme, mark, fiona, diana, screened
):
    from parkportal.core import clock
    from refunds.services.cases import refund_correct_payee
    from tests.payments import bank_statement, fund_pool, send_payment

    fund_pool("1000000.00", officer=fiona, director=diana)
    refund = send_payment(cases.approved([mark]), officer=fiona, director=diana)
    refund = bank_statement(refund, officer=fiona, returned=True)
    # Verified this morning: the account a redirected payment would use.
    BankAccountFactory(
        enterprise=acme, account_number="6222555566667777", verified_at=clock.now()
    )

    screened(
        refund_correct_payee,
        refund_id=refund.pk,
        actor=fiona,
        payee_name="Acme Robotics",
        payee_bank="Bank of Suzhou",
        payee_account="6222555566667777",
    )

    assessment = Assessment.objects.get(refund=refund)
    assert assessment.trigger == "payee"
    assert assessment.snapshot["payee_account"] == "6222555566667777"
    hits = assessment.results.filter(status=ResultStatus.HIT)
    assert list(hits.values_list("rule__rule_type", flat=True)) == ["payee_unverified"]
    assert assessment.outcome == "review"
    refund.refresh_from_db()
    assert refund.state == State.DISBURSEMENT_FAILED
    assert TimelineEntry.objects.filter(refund=refund, kind="risk_flag").exists()
