import datetime

import pytest

from refunds.models import ApprovalDelegation, State
from refunds.selectors import (
    approval_levels_signed_by,
    approval_steps_waiting_for,
    audit_events_search,
    earlier_decisions,
    payee_is_verified,
    refunds_search,
)
from refunds.services.lifecycle import refund_approve
from tests.conftest import CaseBuilder
from tests.factories import BankAccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

ALWAYS = {
    "starts_at": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    "ends_at": datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
}


def test_an_approver_signs_at_the_level_of_her_role(mark, diana):
    assert approval_levels_signed_by(mark) == {"ops_manager"}
    assert approval_levels_signed_by(diana) == {"finance_director"}


def test_a_substitute_signs_at_the_level_of_whom_she_stands_for(mark, rita):
    ApprovalDelegation.objects.create(delegator=mark, delegate=rita, **ALWAYS)

    assert approval_levels_signed_by(rita) == {"ops_manager"}


def test_an_expired_delegation_gives_no_level(mark, rita):
    ApprovalDelegation.objects.create(
        delegator=mark,
        delegate=rita,
        starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2020, 2, 1, tzinfo=datetime.UTC),
    )

    assert approval_levels_signed_by(rita) == set()


def test_the_inbox_holds_only_steps_whose_turn_it_is(cases, mark, diana):
    refund = cases.pending_approval(amount="500000.00")

    before = list(approval_steps_waiting_for(diana))
    refund_approve(refund_id=refund.pk, actor=mark)
    after = list(approval_steps_waiting_for(diana))

    assert before == []
    assert [step.refund_id for step in after] == [refund.pk]
    assert [step.level for step in earlier_decisions(after[0])] == ["ops_manager"]


def test_search_finds_cases_by_reference_enterprise_and_state(cases, olivia):
    draft = cases.draft()
    reviewed = cases.under_review()

    by_name = refunds_search(olivia, query="acme")
    by_state = refunds_search(olivia, state=State.UNDER_REVIEW)
    by_reference = refunds_search(olivia, query=draft.reference)

    assert set(by_name) == {draft, reviewed}
    assert list(by_state) == [reviewed]
    assert list(by_reference) == [draft]


def test_search_takes_a_reference_or_its_start_in_any_case(cases, olivia):
    first, second = cases.draft(), cases.draft()
    year_prefix = first.reference[: len("RF-2026-")]

    assert list(refunds_search(olivia, query=f" {first.reference.lower()} ")) == [first]
    assert list(refunds_search(olivia, query=year_prefix.lower())) == [second, first]
    assert list(refunds_search(olivia, query="RF-1999-")) == []


def test_search_takes_the_number_of_a_reference_alone(cases, olivia):
    cases.draft()
    second = cases.draft()
    number = int(second.reference.rsplit("-", 1)[1])

    assert list(refunds_search(olivia, query=str(number))) == [second]
    assert list(refunds_search(olivia, query=f"{number:06d}")) == [second]
    assert list(refunds_search(olivia, query="999999")) == []


def test_search_finds_part_of_an_enterprise_name_but_not_of_another(
    cases, gary, globex, olivia
):
    acme_case = cases.draft()
    CaseBuilder(gary, ContractFactory(enterprise=globex), olivia).draft()

    assert list(refunds_search(olivia, query="cme")) == [acme_case]


def test_search_shows_an_enterprise_only_its_own_cases(cases, gary):
    cases.draft()

    assert list(refunds_search(gary)) == []


def test_audit_search_filters_by_case_and_action(cases):
    refund = cases.under_review()
    other = cases.draft()

    events = audit_events_search(reference=refund.reference.lower(), action="submit")

    assert [event.action for event in events] == ["refund.submit"]
    assert all(event.refund_id != other.pk for event in events)


def test_a_payee_is_verified_only_when_the_account_is(cases, acme):
    refund = cases.draft(payee_account="6222555566667777")
    assert not payee_is_verified(refund)

    BankAccountFactory(enterprise=acme, account_number=refund.payee_account)

    assert payee_is_verified(refund)
