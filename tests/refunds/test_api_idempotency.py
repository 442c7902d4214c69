"""Idempotency-Key on the POSTs that create a case or move it."""

import pytest

from refunds.models import ApprovalStep, AuditEvent, RefundRequest, State
from tests.refunds.api_support import api, refund_url

pytestmark = pytest.mark.django_db

REFUNDS = "/api/v1/refunds/"


@pytest.fixture
def application(acme_contract):
    return {
        "contract": acme_contract.pk,
        "reason": "deposit",
        "amount": "9000.00",
        "currency": "CNY",
        "payee_name": "Acme Robotics",
        "payee_bank": "Industrial Bank Suzhou",
        "payee_account": "6222000011115555",
    }


def test_a_retried_application_creates_one_case_and_replays_the_answer(
    alice, application
):
    client = api(alice)

    first = client.post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="apply-1")
    retry = client.post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="apply-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert RefundRequest.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(alice, application):
    client = api(alice)
    client.post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="apply-2")

    response = client.post(
        REFUNDS, {**application, "amount": "9500.00"}, HTTP_IDEMPOTENCY_KEY="apply-2"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert RefundRequest.objects.count() == 1


def test_a_failed_request_does_not_keep_its_key(alice, application):
    client = api(alice)

    failed = client.post(
        REFUNDS, {**application, "currency": "USD"}, HTTP_IDEMPOTENCY_KEY="apply-3"
    )
    retried = client.post(
        REFUNDS, {**application, "currency": "USD"}, HTTP_IDEMPOTENCY_KEY="apply-3"
    )
    corrected = client.post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="apply-3")

    assert failed.status_code == retried.status_code == 400
    assert "Idempotent-Replayed" not in retried
    assert corrected.status_code == 201
    assert RefundRequest.objects.count() == 1


def test_keys_belong_to_their_user(alice, application, acme):
    from parkportal.accounts.roles import Role
    from tests.factories import UserFactory

    colleague = UserFactory(username="anna", enterprise=acme, role=Role.ENTERPRISE)

    api(alice).post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="shared")
    response = api(colleague).post(REFUNDS, application, HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert RefundRequest.objects.count() == 2


def test_a_retried_approval_signs_once(cases, mark):
    refund = cases.pending_approval(amount="150000.00")
    client = api(mark)
    url = refund_url(refund, "transitions/approve/")

    first = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="approve-1")
    retry = client.post(url, {}, HTTP_IDEMPOTENCY_KEY="approve-1")
    without_key = client.post(url, {})

    assert first.status_code == retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["state"] == State.PENDING_APPROVAL
    assert ApprovalStep.objects.filter(refund=refund, status="approved").count() == 1
    assert (
        AuditEvent.objects.filter(refund=refund, action="refund.approve").count() == 1
    )
    assert without_key.status_code == 403


def test_a_refused_step_keeps_no_key(cases, olivia):
    refund = cases.under_review()
    client = api(olivia)
    url = refund_url(refund, "transitions/request_info/")

    refused = client.post(url, {"comment": ""}, HTTP_IDEMPOTENCY_KEY="ask-1")
    accepted = client.post(
        url, {"comment": "Please add the lease"}, HTTP_IDEMPOTENCY_KEY="ask-1"
    )

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert accepted.json()["state"] == State.INFO_REQUESTED
