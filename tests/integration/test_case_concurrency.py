"""Two people acting on one case at the same moment, on real PostgreSQL
connections: one of them moves it, the other is refused, and the trail
records one step."""

import threading

import pytest
from django.db import connection

from parkportal.accounts.roles import Role
from parkportal.core.errors import DomainError
from refunds.models import ApprovalStep, AuditEvent, RefundRequest, State
from refunds.models.approvals import StepStatus
from refunds.models.case import TRANSITION_NAMES
from refunds.services.audit import audit_verify
from refunds.services.lifecycle import (
    refund_approve,
    refund_forward,
    refund_transition,
)
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_approval_policy"),
]


def at_once(*calls) -> list:
    """Run each call in its own thread and connection, released together;
    answer each call's result or the domain error that refused it."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except DomainError as refused:
            results[index] = refused
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _steps(refund, action: str) -> int:
    return AuditEvent.objects.filter(refund=refund, action=action).count()


def test_two_managers_approving_one_case_at_once_sign_it_once(cases, mark):
    refund = cases.pending_approval(amount="30000.00")
    other_manager = UserFactory(username="mia", role=Role.OPS_MANAGER)

    results = at_once(
        lambda: refund_approve(refund_id=refund.pk, actor=mark),
        lambda: refund_approve(refund_id=refund.pk, actor=other_manager),
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(refused) == 1
    assert refused[0].code == "transition_not_allowed"
    assert RefundRequest.objects.get(pk=refund.pk).state == State.APPROVED
    signed = ApprovalStep.objects.filter(refund=refund, status=StepStatus.APPROVED)
    assert signed.count() == 1
    assert _steps(refund, "refund.approve") == 1
    assert audit_verify().intact


def test_a_withdrawal_racing_a_forward_leaves_one_of_them(cases, alice, olivia):
    refund = cases.under_review()

    withdrawn, forwarded = at_once(
        lambda: refund_transition(refund_id=refund.pk, name="withdraw", actor=alice),
        lambda: refund_forward(refund_id=refund.pk, actor=olivia),
    )

    refund.refresh_from_db()
    outcomes = {
        "withdraw": not isinstance(withdrawn, DomainError),
        "forward": not isinstance(forwarded, DomainError),
    }
    assert sorted(outcomes.values()) == [False, True]
    winner = "withdraw" if outcomes["withdraw"] else "forward"
    assert (
        refund.state
        == {
            "withdraw": State.WITHDRAWN,
            "forward": State.PENDING_APPROVAL,
        }[winner]
    )
    assert _steps(refund, "refund.withdraw") == int(outcomes["withdraw"])
    assert _steps(refund, "refund.forward") == int(outcomes["forward"])
    assert ApprovalStep.objects.filter(refund=refund).exists() == outcomes["forward"]


def test_many_hands_on_one_case_at_once_move_it_once(cases, olivia, mark, rita):
    refund = cases.under_review()
    version = RefundRequest.objects.get(pk=refund.pk).version
    steps_before = _transitions(refund)

    results = at_once(
        lambda: refund_forward(refund_id=refund.pk, actor=olivia),
        lambda: refund_forward(refund_id=refund.pk, actor=mark),
        lambda: refund_transition(
            refund_id=refund.pk, name="request_info", actor=olivia, comment="Page 2?"
        ),
        lambda: refund_transition(
            refund_id=refund.pk, name="hold", actor=rita, comment="Payee unknown"
        ),
    )

    moved = [r for r in results if not isinstance(r, DomainError)]
    assert len(moved) == 1
    refund.refresh_from_db()
    assert refund.state == moved[0].state
    assert refund.version == version + 1
    assert _transitions(refund) == steps_before + 1


def _transitions(refund) -> int:
    actions = [f"refund.{name}" for name in TRANSITION_NAMES]
    return AuditEvent.objects.filter(refund=refund, action__in=actions).count()
