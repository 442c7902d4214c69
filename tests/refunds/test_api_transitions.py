"""Every step for every role through the API, allowed and refused, and the
separation of duties."""

from decimal import Decimal

import pytest

from parkportal.accounts.roles import Role
from refunds.models import ApprovalDelegation, RefundRequest, State
from tests.factories import UserFactory
from tests.payments import bank_statement, fund_pool, send_payment
from tests.refunds.api_support import ACTORS, api, refund_url, step

pytestmark = pytest.mark.django_db


# Arrangements: each walks a case to the state a step starts from, with the
# real services and the named actors.


def _draft(cases, people):
    return cases.draft()


def _submitted(cases, people):
    # Submission screens and starts the review in one go; the only way to
    # look at a case still "submitted" is to stop it there by hand.
    refund = cases.draft()
    RefundRequest.objects.filter(pk=refund.pk).update(state=State.SUBMITTED)
    return refund


def _under_review(cases, people):
    return cases.under_review()


def _info_requested(cases, people):
    return step(_under_review(cases, people), "request_info", people["olivia"])


def _on_hold(cases, people):
    return step(_under_review(cases, people), "hold", people["rita"])


def _pending_approval(cases, people):
    return cases.pending_approval()


def _pending_director(cases, people):
    # From 100 000 CNY the finance director signs after the ops manager.
    refund = cases.pending_approval(amount="500000.00")
    return step(refund, "approve", people["mark"])


def _pending_committee(cases, people):
    # From 1 000 000 CNY the park committee signs last.
    refund = cases.pending_approval(amount="2000000.00")
    step(refund, "approve", people["mark"])
    return step(refund, "approve", people["diana"])


def _approved(cases, people):
    fund_pool("1000000.00", officer=people["fiona"], director=people["diana"])
    return cases.approved([people["mark"]])


def _disbursing(cases, people):
    return send_payment(
        _approved(cases, people), officer=people["fiona"], director=people["diana"]
    )


def _disbursement_failed(cases, people):
    return bank_statement(
        _disbursing(cases, people), officer=people["fiona"], returned=True
    )


def _disbursed(cases, people):
    return bank_statement(_disbursing(cases, people), officer=people["fiona"])


SCENARIOS = (
    ("submit", _draft, {"alice"}, State.UNDER_REVIEW),
    ("withdraw", _draft, {"alice"}, State.WITHDRAWN),
    ("withdraw", _submitted, {"alice"}, State.WITHDRAWN),
    ("withdraw", _under_review, {"alice"}, State.WITHDRAWN),
    ("withdraw", _info_requested, {"alice"}, State.WITHDRAWN),
    ("start_review", _submitted, set(), None),
    ("request_info", _under_review, {"olivia", "mark"}, State.INFO_REQUESTED),
    ("respond", _info_requested, {"alice"}, State.UNDER_REVIEW),
    ("hold", _under_review, {"rita"}, State.ON_HOLD),
    ("hold", _submitted, {"rita"}, State.ON_HOLD),
    ("clear", _on_hold, {"rita"}, State.UNDER_REVIEW),
    ("reject", _on_hold, {"rita"}, State.REJECTED),
    ("forward", _under_review, {"olivia", "mark"}, State.PENDING_APPROVAL),
    ("approve", _pending_approval, {"mark"}, State.APPROVED),
    ("approve", _pending_director, {"diana"}, State.APPROVED),
    ("approve", _pending_committee, {"carl"}, State.APPROVED),
    ("reject", _pending_director, {"diana"}, State.REJECTED),
    ("send_back", _pending_committee, {"carl"}, State.UNDER_REVIEW),
    ("reject", _pending_approval, {"mark"}, State.REJECTED),
    ("send_back", _pending_approval, {"mark"}, State.UNDER_REVIEW),
    # Payment steps move only with the pool's money, in finance's batches
    # and bank statements: nobody takes them through the refunds API.
    ("schedule", _approved, set(), None),
    ("confirm_paid", _disbursing, set(), None),
    ("mark_failed", _disbursing, set(), None),
    ("retry", _disbursement_failed, set(), None),
    ("close", _disbursed, {"olivia", "mark"}, State.CLOSED),
)


@pytest.fixture
def people(request):
    return {name: request.getfixturevalue(name) for name in ACTORS}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "arrange", "allowed", "target"),
    SCENARIOS,
    ids=[f"{name}-from-{arrange.__name__[1:]}" for name, arrange, *_ in SCENARIOS],
)
def test_each_step_is_offered_and_taken_exactly_by_its_roles(
    cases, people, actor, name, arrange, allowed, target
):
    refund = arrange(cases, people)
    state_before = RefundRequest.objects.get(pk=refund.pk).state
    client = api(people[actor])

    listed = client.get(refund_url(refund, "transitions/"))
    taken = client.post(
        refund_url(refund, f"transitions/{name}/"),
        {"comment": "Checked against the contract file"},
    )

    refund.refresh_from_db()
    if actor == "gary":
        # Another enterprise's case does not exist for Globex.
        assert listed.status_code == taken.status_code == 404
        assert refund.state == state_before
    elif actor in allowed:
        assert name in listed.json()["transitions"]
        assert taken.status_code == 200, taken.json()
        assert taken.json()["state"] == target == refund.state
    else:
        assert name not in listed.json()["transitions"]
        assert taken.status_code == 403
        expected_code = "forbidden" if actor == "audrey" else "transition_forbidden"
        assert taken.json()["code"] == expected_code
        assert refund.state == state_before


def test_a_step_that_does_not_apply_in_this_state_is_a_conflict(cases, alice):
    refund = cases.draft()

    response = api(alice).post(refund_url(refund, "transitions/respond/"))

    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_an_unknown_step_is_not_found(cases, alice):
    refund = cases.draft()

    response = api(alice).post(refund_url(refund, "transitions/teleport/"))

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_transition"


def test_steps_that_need_a_reason_refuse_an_empty_comment(cases, olivia):
    refund = cases.under_review()

    response = api(olivia).post(
        refund_url(refund, "transitions/request_info/"), {"comment": "  "}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "comment_required"
    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW


def test_an_amount_is_refused_on_steps_other_than_approve(cases, olivia):
    refund = cases.under_review()

    response = api(olivia).post(
        refund_url(refund, "transitions/forward/"), {"amount": "10.00"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "amount_not_expected"


def test_a_reduced_approval_with_a_reason_makes_a_partial_refund(cases, mark):
    refund = cases.pending_approval(amount="80000.00")

    response = api(mark).post(
        refund_url(refund, "transitions/approve/"),
        {"amount": "60000.00", "comment": "Cleaning costs deducted"},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == State.APPROVED
    assert body["approved_amount"] == "60000.00"
    assert body["amount"] == "80000.00"


def test_a_reduced_approval_without_a_reason_is_refused(cases, mark):
    refund = cases.pending_approval(amount="80000.00")

    response = api(mark).post(
        refund_url(refund, "transitions/approve/"), {"amount": "60000.00"}
    )

    assert response.status_code == 400
    assert response.json()["code"] == "comment_required"


def test_the_owner_may_not_approve_their_own_case(alice, acme_contract, mark):
    from tests.conftest import CaseBuilder

    refund = CaseBuilder(alice, acme_contract, owner=mark).pending_approval()

    response = api(mark).post(refund_url(refund, "transitions/approve/"))

    assert response.status_code == 403
    assert response.json()["message"] == "Nobody may approve a case they own."
    assert (
        "approve"
        not in api(mark).get(refund_url(refund, "transitions/")).json()["transitions"]
    )


def test_nobody_signs_two_levels_of_one_case(cases):
    both = UserFactory(username="morgan", role=Role.OPS_MANAGER)
    from parkportal.accounts.services import user_grant_role

    user_grant_role(user=both, role=Role.FINANCE_DIRECTOR)
    refund = cases.pending_approval(amount="150000.00")
    client = api(both)

    first = client.post(refund_url(refund, "transitions/approve/"))
    second = client.post(refund_url(refund, "transitions/approve/"))

    assert first.status_code == 200
    assert first.json()["state"] == State.PENDING_APPROVAL
    assert second.status_code == 403
    assert (
        second.json()["message"] == "Nobody may sign two approval levels of one case."
    )


def test_a_delegate_may_not_sign_for_a_level_already_signed_by_them(cases, mark, diana):
    refund = cases.pending_approval(amount="150000.00")
    api(mark).post(refund_url(refund, "transitions/approve/"))
    ApprovalDelegation.objects.create(
        delegator=diana,
        delegate=mark,
        starts_at="2000-01-01T00:00:00Z",
        ends_at="2100-01-01T00:00:00Z",
    )

    response = api(mark).post(refund_url(refund, "transitions/approve/"))

    assert response.status_code == 403
    assert (
        response.json()["message"] == "Nobody may sign two approval levels of one case."
    )


def test_a_delegate_signs_on_behalf_of_the_absent_approver(cases, mark, diana, rita):
    refund = cases.pending_approval(amount="150000.00")
    api(mark).post(refund_url(refund, "transitions/approve/"))
    ApprovalDelegation.objects.create(
        delegator=diana,
        delegate=rita,
        starts_at="2000-01-01T00:00:00Z",
        ends_at="2100-01-01T00:00:00Z",
    )

    response = api(rita).post(refund_url(refund, "transitions/approve/"))

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == State.APPROVED
    steps = api(mark).get(refund_url(refund, "approval-steps/")).json()
    assert [row["on_behalf_of"] for row in steps] == [None, diana.pk]
    assert steps[1]["decided_by"] == rita.pk


def test_the_next_level_is_not_offered_before_the_first_has_signed(cases, diana, mark):
    refund = cases.pending_approval(amount="150000.00")

    before = api(diana).get(refund_url(refund, "transitions/")).json()
    api(mark).post(refund_url(refund, "transitions/approve/"))
    after = api(diana).get(refund_url(refund, "transitions/")).json()

    assert "approve" not in before["transitions"]
    assert "approve" in after["transitions"]
    assert Decimal(
        api(diana).get(refund_url(refund)).json()["approved_amount"]
    ) == Decimal("150000.00")
