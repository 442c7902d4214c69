import pytest

from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from refunds.models import State
from refunds.services.lifecycle import refund_submit, refund_transition
from risk.models import Hold, HoldStatus
from risk.services.holds import hold_clear, hold_reject
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(cases, alice, globex, screened):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    return Hold.objects.get(refund=refund)


def test_a_risk_officer_clears_a_hold_with_a_comment(held, rita):
    hold = hold_clear(hold_id=held.pk, actor=rita, comment="Parent company account")

    assert hold.status == HoldStatus.CLEARED
    assert hold.decided_by == rita
    assert hold.comment == "Parent company account"
    assert hold.refund.state == State.UNDER_REVIEW


def test_a_risk_officer_rejects_a_held_case(held, rita):
    hold = hold_reject(hold_id=held.pk, actor=rita, comment="Account of a stranger")

    held.refund.refresh_from_db()
    assert hold.status == HoldStatus.REJECTED
    assert held.refund.state == State.REJECTED


def test_only_a_risk_officer_decides_a_hold(held, olivia):
    with pytest.raises(NotAllowed):
        hold_clear(hold_id=held.pk, actor=olivia, comment="Looks fine")

    held.refresh_from_db()
    assert held.status == HoldStatus.OPEN


def test_a_decision_needs_a_comment(held, rita):
    with pytest.raises(InvalidInput):
        hold_clear(hold_id=held.pk, actor=rita, comment=" ")


def test_a_hold_is_decided_once(held, rita):
    hold_clear(hold_id=held.pk, actor=rita, comment="Fine")

    with pytest.raises(Conflict) as refused:
        hold_reject(hold_id=held.pk, actor=rita, comment="Changed my mind")

    assert refused.value.code == "hold_already_decided"


def test_clearing_from_the_case_itself_closes_the_hold(held, rita):
    refund_transition(
        refund_id=held.refund_id, name="clear", actor=rita, comment="Checked by phone"
    )

    held.refresh_from_db()
    assert held.status == HoldStatus.CLEARED
    assert held.comment == "Checked by phone"


def test_a_hold_by_hand_reaches_the_desk_with_its_reason(cases, rita):
    from risk.selectors import hold_reasons, holds_open

    refund = cases.under_review()

    refund_transition(
        refund_id=refund.pk, name="hold", actor=rita, comment="Tip-off from the bank"
    )

    hold = holds_open().get()
    assert hold.refund_id == refund.pk
    assert hold.assessment is None
    assert hold.placed_by == rita
    assert hold_reasons(hold) == ["Tip-off from the bank"]


def test_the_engines_hold_is_tied_to_its_assessment(held):
    from parkportal.accounts.roles import SYSTEM_USERNAME

    assert held.assessment.held
    assert held.assessment.refund_id == held.refund_id
    assert held.placed_by.username == SYSTEM_USERNAME
