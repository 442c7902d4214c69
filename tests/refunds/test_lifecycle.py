from decimal import Decimal

import pytest

from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from refunds.models import ApprovalStep, AuditEvent, State, TimelineEntry
from refunds.services.lifecycle import (
    available_transitions,
    refund_approve,
    refund_forward,
    refund_reject,
    refund_send_back,
    refund_submit,
    refund_transition,
)

pytestmark = pytest.mark.django_db


def test_submit_moves_a_complete_draft_to_review(cases, alice):
    refund = cases.draft()

    refund = refund_submit(refund_id=refund.pk, actor=alice)

    assert refund.state == State.UNDER_REVIEW
    assert refund.submitted_at is not None
    assert refund.amount_cny == Decimal("50000.00")
    kinds = list(
        TimelineEntry.objects.filter(refund=refund).values_list("kind", flat=True)
    )
    # Receivers (operations assigns the owner) add entries of their own.
    assert [k for k in kinds if k in ("submit", "start_review")] == [
        "submit",
        "start_review",
    ]


def test_submit_refuses_missing_documents(alice, acme_contract):
    from refunds.services.cases import refund_create

    refund = refund_create(
        applicant=alice,
        contract=acme_contract,
        reason="deposit",
        amount="100.00",
        currency="CNY",
        payee_name="Acme",
        payee_bank="Bank",
        payee_account="6222000011112222",
    )

    with pytest.raises(Conflict) as refused:
        refund_submit(refund_id=refund.pk, actor=alice)

    assert refused.value.code == "condition_not_met"
    refund.refresh_from_db()
    assert refund.state == State.DRAFT


@pytest.fixture
def small_contract_cases(alice, acme, olivia):
    """Cases on a contract under which Acme paid 90 000."""
    from tests.conftest import CaseBuilder
    from tests.factories import ContractFactory

    contract = ContractFactory(enterprise=acme, paid_amount=Decimal("90000.00"))
    return CaseBuilder(alice, contract, olivia)


def test_submit_refuses_more_than_the_contract_has_left(
    small_contract_cases, alice, mark
):
    cases = small_contract_cases
    # 60 000 asked and approved as 50 000 leaves 40 000 of the contract.
    taken = cases.pending_approval(amount="60000.00")
    refund_approve(
        refund_id=taken.pk, actor=mark, amount="50000.00", comment="Less the fee"
    )
    too_much = cases.draft(amount="40000.01")
    just_enough = cases.draft(amount="40000.00")

    with pytest.raises(Conflict) as refused:
        refund_submit(refund_id=too_much.pk, actor=alice)
    submitted = refund_submit(refund_id=just_enough.pk, actor=alice)

    assert refused.value.code == "condition_not_met"
    assert refused.value.details["conditions"] == [
        "The amount is more than the contract paid less what was already refunded."
    ]
    too_much.refresh_from_db()
    assert too_much.state == State.DRAFT
    assert submitted.state == State.UNDER_REVIEW


def test_forward_refuses_a_case_the_contract_no_longer_covers(
    small_contract_cases, olivia, mark
):
    cases = small_contract_cases
    waiting = cases.under_review(amount="50000.00")
    cases.approved([mark], amount="45000.00")

    with pytest.raises(Conflict) as refused:
        refund_forward(refund_id=waiting.pk, actor=olivia)

    assert refused.value.code == "condition_not_met"
    waiting.refresh_from_db()
    assert waiting.state == State.UNDER_REVIEW


def test_three_levels_approve_a_large_refund_in_order(cases, mark, diana, carl):
    refund = cases.pending_approval(amount="1500000.00")
    assert list(refund.approval_steps.values_list("level", flat=True)) == [
        "ops_manager",
        "finance_director",
        "committee",
    ]

    with pytest.raises(NotAllowed):
        refund_approve(refund_id=refund.pk, actor=diana)
    refund = refund_approve(refund_id=refund.pk, actor=mark)
    assert refund.state == State.PENDING_APPROVAL
    refund = refund_approve(refund_id=refund.pk, actor=diana)
    refund = refund_approve(refund_id=refund.pk, actor=carl)

    assert refund.state == State.APPROVED
    assert refund.approved_amount == Decimal("1500000.00")
    assert refund.approved_amount_cny == Decimal("1500000.00")


def test_an_approved_amount_finer_than_a_cent_is_refused(cases, mark):
    refund = cases.pending_approval(amount="80000.00")

    with pytest.raises(InvalidInput) as refused:
        refund_approve(
            refund_id=refund.pk,
            actor=mark,
            amount=Decimal("60000.005"),
            comment="Damage deducted",
        )

    assert refused.value.code == "invalid_amount"
    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL
    assert refund.approved_amount is None


def test_reduced_amount_needs_a_reason_and_makes_a_partial_refund(cases, mark):
    refund = cases.pending_approval(amount="80000.00")

    with pytest.raises(InvalidInput):
        refund_approve(refund_id=refund.pk, actor=mark, amount=Decimal("60000.00"))
    refund = refund_approve(
        refund_id=refund.pk,
        actor=mark,
        amount=Decimal("60000.00"),
        comment="Damage deducted",
    )

    assert refund.state == State.APPROVED
    assert refund.is_partial
    assert refund.approved_amount == Decimal("60000.00")


def test_owner_cannot_approve_own_case(cases, olivia, mark):
    from parkportal.accounts.services import user_grant_role

    user_grant_role(user=olivia, role="ops_manager")
    refund = cases.pending_approval()

    with pytest.raises(NotAllowed) as refused:
        refund_approve(refund_id=refund.pk, actor=olivia)

    assert "own" in str(refused.value.message)


def test_nobody_signs_two_levels(cases, mark):
    from parkportal.accounts.services import user_grant_role

    user_grant_role(user=mark, role="finance_director")
    refund = cases.pending_approval(amount="200000.00")
    refund_approve(refund_id=refund.pk, actor=mark)

    with pytest.raises(NotAllowed) as refused:
        refund_approve(refund_id=refund.pk, actor=mark)

    assert "two approval levels" in str(refused.value.message)


def test_send_back_returns_to_review_and_cancels_later_levels(cases, mark):
    refund = cases.pending_approval(amount="200000.00")

    refund = refund_send_back(
        refund_id=refund.pk, actor=mark, comment="Invoice unreadable"
    )

    assert refund.state == State.UNDER_REVIEW
    statuses = list(
        ApprovalStep.objects.filter(refund=refund).values_list("status", flat=True)
    )
    assert statuses == ["sent_back", "cancelled"]


def test_reject_requires_a_reason(cases, mark):
    refund = cases.pending_approval()

    with pytest.raises(InvalidInput):
        refund_reject(refund_id=refund.pk, actor=mark, comment=" ")
    refund = refund_reject(refund_id=refund.pk, actor=mark, comment="Not eligible")

    assert refund.state == State.REJECTED


def test_every_transition_writes_one_audit_event(cases, alice):
    refund = cases.draft()
    steps = ("refund.submit", "refund.start_review")
    before = AuditEvent.objects.filter(action__in=steps).count()

    refund_submit(refund_id=refund.pk, actor=alice)

    actions = list(
        AuditEvent.objects.filter(refund=refund, action__startswith="refund.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    # Receivers (operations assigns the owner) record events of their own.
    assert AuditEvent.objects.filter(action__in=steps).count() == before + 2
    assert [action for action in actions if action in steps] == list(steps)


def test_available_transitions_follow_role_and_state(cases, alice, olivia, gary):
    refund = cases.under_review()

    assert available_transitions(refund, alice) == ["withdraw"]
    assert set(available_transitions(refund, olivia)) == {"request_info", "forward"}
    assert available_transitions(refund, gary) == []


def test_request_info_and_respond_round_trip(cases, alice, olivia):
    refund = cases.under_review()

    refund = refund_transition(
        refund_id=refund.pk, name="request_info", actor=olivia, comment="Send the lease"
    )
    assert refund.state == State.INFO_REQUESTED
    refund = refund_transition(
        refund_id=refund.pk, name="respond", actor=alice, comment="Attached"
    )

    assert refund.state == State.UNDER_REVIEW
