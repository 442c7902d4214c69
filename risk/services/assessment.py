"""Screening a case: run the live rules, record every result, and act on
the outcome through the refund's own lifecycle."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_noop

from parkportal.accounts.services import system_user
from parkportal.core import clock
from parkportal.core.outbox import outbox_enqueue
from refunds.models import RefundRequest, State, TimelineEntry
from refunds.services.audit import audit_record
from refunds.services.lifecycle import (
    lock_refund,
    refund_record_assessment,
    refund_transition,
)
from risk import engine
from risk.models import (
    Assessment,
    HoldStatus,
    Outcome,
    ResultStatus,
    RuleResult,
    Trigger,
    render_message,
)
from risk.rules.context import CaseContext, snapshot_of
from risk.services.common import require_risk_officer

logger = logging.getLogger(__name__)

# A failed payment is screened again when finance points it at another
# account, the moment a payment would be redirected. The case cannot be
# held from there; the outcome flags it for its owner before the retry.
ASSESSABLE_STATES = frozenset(
    {
        State.SUBMITTED,
        State.UNDER_REVIEW,
        State.INFO_REQUESTED,
        State.ON_HOLD,
        State.PENDING_APPROVAL,
        State.DISBURSEMENT_FAILED,
    }
)
HOLDABLE_STATES = frozenset({State.SUBMITTED, State.UNDER_REVIEW})

HOLD_COMMENT = gettext_noop("Risk score %(score)s: %(reasons)s")


def queue_assessment(refund_id: int, trigger: str) -> None:
    """Assess after the caller's transaction commits, in a worker (or in
    process on the embedded default). The outbox keeps the request while
    the broker cannot be reached."""
    outbox_enqueue(
        task="risk.assess_refund", kwargs={"refund_id": refund_id, "trigger": trigger}
    )


def assessment_run(*, refund_id: int, trigger: str) -> Assessment | None:
    """Assess the case now. Running it again with unchanged inputs, rules
    and thresholds returns the first assessment and acts on nothing."""
    with transaction.atomic():
        # Two deliveries of the same task would otherwise both find no
        # assessment for these inputs and both put the case on hold.
        refund = lock_refund(refund_id)
        if refund.state not in ASSESSABLE_STATES:
            return None
        now = clock.now()
        snapshot = snapshot_of(refund)
        versions = engine.live_versions(now)
        thresholds = engine.threshold_map()
        fingerprint = engine.fingerprint(snapshot, versions, thresholds)
        existing = Assessment.objects.filter(refund=refund, fingerprint=fingerprint)
        if existing.exists():
            return existing.get()

        context = CaseContext(refund, now, snapshot)
        outcomes = engine.evaluate(context, versions)
        decision = engine.decide(outcomes, thresholds)
        hold = _should_hold(refund, decision, outcomes)
        assessment = _record(
            refund, trigger, fingerprint, context, outcomes, decision, held=hold
        )
        refund_record_assessment(
            refund_id=refund.pk,
            risk_level=decision.risk_level,
            risk_score=decision.score,
            extra_levels=["committee"] if decision.add_committee else [],
        )
        if hold:
            _hold(refund, assessment, outcomes)
        elif decision.outcome != Outcome.PASS:
            _flag_for_owner(refund, assessment)
    return assessment


def _record(
    refund, trigger, fingerprint, context, outcomes, decision, *, held: bool
) -> Assessment:
    assessment = Assessment.objects.create(
        refund=refund,
        trigger=trigger,
        fingerprint=fingerprint,
        as_of=context.as_of,
        snapshot=context.snapshot,
        score=decision.score,
        outcome=decision.outcome,
        add_committee=decision.add_committee,
        risk_level=decision.risk_level,
        error_count=decision.error_count,
        held=held,
    )
    RuleResult.objects.bulk_create(
        RuleResult(
            assessment=assessment,
            rule=outcome.version.rule,
            version=outcome.version,
            status=outcome.status,
            score=outcome.score,
            message=outcome.message,
            params=outcome.params,
        )
        for outcome in outcomes
    )
    if decision.error_count:
        logger.warning(
            "risk assessment %s of refund %s: %s rules in error",
            assessment.pk,
            refund.reference,
            decision.error_count,
        )
    audit_record(
        actor=system_user(),
        action="risk.assess",
        obj=assessment,
        refund=refund,
        after={
            "trigger": trigger,
            "score": decision.score,
            "outcome": decision.outcome,
            "add_committee": decision.add_committee,
            "errors": decision.error_count,
            "versions": [outcome.version.pk for outcome in outcomes],
        },
    )
    return assessment


def cleared_rule_ids(refund) -> set[int]:
    """Rules whose hits a risk officer already judged harmless on this
    case: they do not put it on hold again by themselves."""
    return set(
        RuleResult.objects.filter(
            assessment__hold__refund=refund,
            assessment__hold__status=HoldStatus.CLEARED,
            status=ResultStatus.HIT,
        ).values_list("rule_id", flat=True)
    )


def _should_hold(refund: RefundRequest, decision, outcomes) -> bool:
    if decision.outcome != Outcome.HOLD:
        return False
    hits = {o.version.rule_id for o in outcomes if o.status == ResultStatus.HIT}
    if refund.state not in HOLDABLE_STATES or not hits - cleared_rule_ids(refund):
        if refund.state != State.ON_HOLD:
            logger.warning(
                "risk score %s of refund %s in state %s calls for a hold; flagged",
                decision.score,
                refund.reference,
                refund.state,
            )
        return False
    return True


def reasons_text(outcomes, language: str) -> str:
    sentences = [
        render_message(o.message, o.params, language)
        for o in outcomes
        if o.status != ResultStatus.NO_HIT
    ]
    return " ".join(sentences)


def _hold(refund, assessment, outcomes) -> None:
    language = settings.LANGUAGE_CODE
    comment = render_message(
        HOLD_COMMENT,
        {"score": assessment.score, "reasons": reasons_text(outcomes, language)},
        language,
    )
    refund_transition(
        refund_id=refund.pk, name="hold", actor=system_user(), comment=comment
    )
    refund.refresh_from_db()
    logger.info(
        "refund %s held by risk assessment %s (score %s)",
        refund.reference,
        assessment.pk,
        assessment.score,
    )


def _flag_for_owner(refund, assessment) -> None:
    # Staff only: the enterprise is not told which checks its case tripped.
    TimelineEntry.objects.create(
        refund=refund,
        kind="risk_flag",
        actor=system_user(),
        params={"score": assessment.score, "assessment": assessment.pk},
        visible_to_enterprise=False,
    )


def unscreened_refunds(*, older_than: timedelta):
    """Submitted cases still without an assessment after `older_than`: their
    task was lost (a broker down at commit, a worker killed twice)."""
    return RefundRequest.objects.filter(
        state__in=ASSESSABLE_STATES,
        risk_assessed_at__isnull=True,
        submitted_at__lt=clock.now() - older_than,
    ).order_by("id")


def assessment_catch_up(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Assess every case whose assessment never ran. Returns how many."""
    count = 0
    for refund_id in unscreened_refunds(older_than=older_than).values_list(
        "pk", flat=True
    )[:500]:
        logger.warning("refund %s was never assessed; assessing now", refund_id)
        assessment_run(refund_id=refund_id, trigger=Trigger.SUBMIT)
        count += 1
    return count


def assessment_request(*, refund_id: int, actor) -> None:
    """A risk officer asks for a case to be screened again with the rules
    live now."""
    require_risk_officer(actor)
    with transaction.atomic():
        refund = lock_refund(refund_id)
        audit_record(actor=actor, action="risk.reassess", obj=refund, refund=refund)
        queue_assessment(refund.pk, "manual")
