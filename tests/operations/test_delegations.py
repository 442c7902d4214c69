import datetime

import pytest

from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from refunds.models import ApprovalStep, AuditEvent
from refunds.services.delegations import delegation_create, delegation_end
from refunds.services.lifecycle import refund_approve
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def sam(db):
    """A deputy manager without an approval role of his own."""
    return UserFactory(username="sam", role=Role.OPS_SPECIALIST)


def delegate_now(delegator, delegate, **kwargs):
    now = clock.now()
    return delegation_create(
        delegator=delegator,
        delegate=delegate,
        starts_at=now - HOUR,
        ends_at=now + WEEK,
        actor=delegator,
        **kwargs,
    )


def test_the_substitutes_approval_is_recorded_on_behalf_of_the_approver(
    cases, mark, sam
):
    delegate_now(mark, sam, reason="Annual leave")
    refund = cases.pending_approval()

    refund = refund_approve(refund_id=refund.pk, actor=sam)

    assert refund.state == "approved"
    step = ApprovalStep.objects.get(refund=refund)
    assert (step.decided_by, step.on_behalf_of) == (sam, mark)
    event = AuditEvent.objects.get(refund=refund, action="refund.approve")
    assert (event.actor, event.on_behalf_of) == (sam, mark)


def test_the_case_owner_cannot_approve_as_a_substitute(cases, mark, olivia):
    delegate_now(mark, olivia)
    refund = cases.pending_approval()

    with pytest.raises(NotAllowed) as refused:
        refund_approve(refund_id=refund.pk, actor=olivia)

    assert "own" in str(refused.value.message)


def test_a_substitute_cannot_sign_a_second_level_for_another_approver(
    cases, mark, diana
):
    delegate_now(diana, mark)
    refund = cases.pending_approval(amount="200000.00")
    refund_approve(refund_id=refund.pk, actor=mark)

    with pytest.raises(NotAllowed) as refused:
        refund_approve(refund_id=refund.pk, actor=mark)

    assert "two approval levels" in str(refused.value.message)


def test_an_approver_who_signed_once_cannot_sign_again_through_a_substitute(
    cases, mark, diana, sam
):
    from parkportal.accounts.services import user_grant_role

    user_grant_role(user=mark, role=Role.FINANCE_DIRECTOR)
    delegate_now(mark, sam)
    refund = cases.pending_approval(amount="200000.00")
    refund_approve(refund_id=refund.pk, actor=mark)

    with pytest.raises(NotAllowed):
        refund_approve(refund_id=refund.pk, actor=sam)
    refund = refund_approve(refund_id=refund.pk, actor=diana)

    assert refund.state == "approved"


def test_an_ended_delegation_no_longer_lets_the_substitute_act(cases, mark, sam):
    delegation = delegate_now(mark, sam)
    refund = cases.pending_approval()

    delegation_end(delegation_id=delegation.pk, actor=mark)

    with pytest.raises(NotAllowed):
        refund_approve(refund_id=refund.pk, actor=sam)
    assert AuditEvent.objects.filter(action="refunds.delegation_ended").exists()


def test_delegation_is_validated(mark, sam, olivia, alice, diana):
    now = clock.now()

    with pytest.raises(InvalidInput):
        delegate_now(mark, mark)
    with pytest.raises(InvalidInput):
        delegate_now(olivia, sam)  # not an approver
    with pytest.raises(InvalidInput):
        delegate_now(mark, alice)  # not staff
    with pytest.raises(InvalidInput):
        delegation_create(
            delegator=mark, delegate=sam, starts_at=now, ends_at=now - HOUR, actor=mark
        )
    with pytest.raises(NotAllowed):
        delegation_create(
            delegator=mark, delegate=sam, starts_at=now, ends_at=now + HOUR, actor=diana
        )


def test_delegations_of_one_approver_cannot_overlap(mark, sam, oscar):
    now = clock.now()
    delegation_create(
        delegator=mark, delegate=sam, starts_at=now, ends_at=now + WEEK, actor=mark
    )

    with pytest.raises(Conflict):
        delegation_create(
            delegator=mark,
            delegate=oscar,
            starts_at=now + 3 * HOUR,
            ends_at=now + 2 * WEEK,
            actor=mark,
        )
    later = delegation_create(
        delegator=mark,
        delegate=oscar,
        starts_at=now + WEEK,
        ends_at=now + 2 * WEEK,
        actor=mark,
    )
    assert later.pk
