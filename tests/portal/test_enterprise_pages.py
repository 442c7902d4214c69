from decimal import Decimal

import pytest
from django.urls import reverse

from refunds.models import RefundRequest, State
from tests.factories import BankAccountFactory, ContractFactory, pdf

pytestmark = pytest.mark.django_db


def test_my_refunds_lists_own_cases_with_their_next_step(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)

    page = client.get(reverse("refunds:mine"))

    assert page.status_code == 200
    assert refund.reference in page.text
    assert "Add the required documents, then submit the request." in page.text


def test_apply_creates_a_draft_paid_to_a_verified_account(client, alice, acme):
    contract = ContractFactory(enterprise=acme, number="HT-ACME-1")
    account = BankAccountFactory(enterprise=acme)
    client.force_login(alice)

    response = client.post(
        reverse("refunds:apply"),
        {
            "contract": contract.pk,
            "reason": "deposit",
            "amount": "1200.50",
            "description": "Office deposit",
            "payee": str(account.pk),
        },
    )

    refund = RefundRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("refunds:case", args=[refund.pk])
    assert refund.state == State.DRAFT
    assert refund.amount == Decimal("1200.50")
    assert refund.payee_account == account.account_number


def test_apply_shows_inline_errors_for_a_new_payee_left_empty(client, alice, acme):
    contract = ContractFactory(enterprise=acme)
    client.force_login(alice)

    page = client.post(
        reverse("refunds:apply"),
        {"contract": contract.pk, "reason": "deposit", "amount": "10", "payee": "new"},
    )

    assert page.status_code == 200
    assert page.text.count("Please fill in the new account.") == 3
    assert not RefundRequest.objects.exists()


def test_apply_refuses_a_contract_of_another_enterprise(client, alice, globex):
    foreign = ContractFactory(enterprise=globex)
    client.force_login(alice)

    page = client.post(
        reverse("refunds:apply"),
        {
            "contract": foreign.pk,
            "reason": "deposit",
            "amount": "10",
            "payee": "new",
            "payee_name": "Acme",
            "payee_bank": "Bank",
            "payee_account": "6222",
        },
    )

    assert page.status_code == 200
    assert 'aria-invalid="true"' in page.text
    assert not RefundRequest.objects.exists()


def test_inline_check_only_scolds_fields_already_filled(client, alice, acme_contract):
    client.force_login(alice)

    fragment = client.post(reverse("refunds:apply_check"), {"amount": "-5"})

    assert fragment.status_code == 200
    assert "Ensure this value is greater than or equal to 0.01." in fragment.text
    assert "This field is required." not in fragment.text


def test_upload_adds_a_document_and_returns_to_the_case(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)

    response = client.post(
        reverse("refunds:upload", args=[refund.pk]),
        {"kind": "other", "file": pdf("letter.pdf")},
    )

    assert response.status_code == 302
    assert refund.documents.filter(original_name="letter.pdf").exists()


def test_upload_by_script_answers_with_the_next_address(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)

    response = client.post(
        reverse("refunds:upload", args=[refund.pk]),
        {"kind": "other", "file": pdf("letter.pdf")},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )

    assert response.status_code == 204
    assert response["X-Location"] == reverse("refunds:case", args=[refund.pk])


def test_submit_from_the_case_page_moves_the_draft_on(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)

    client.post(reverse("refunds:transition", args=[refund.pk, "submit"]))

    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW


def test_a_refused_step_is_shown_as_a_message(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)

    page = client.post(
        reverse("refunds:transition", args=[refund.pk, "respond"]), follow=True
    )

    assert "This step is not possible while the case is" in page.text
    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW


def test_withdraw_ends_the_request(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)

    client.post(reverse("refunds:transition", args=[refund.pk, "withdraw"]))

    refund.refresh_from_db()
    assert refund.state == State.WITHDRAWN


def test_enterprise_answers_a_request_for_information(client, cases, alice, olivia):
    from refunds.services.lifecycle import refund_transition

    refund = cases.under_review()
    refund_transition(
        refund_id=refund.pk, name="request_info", actor=olivia, comment="Stamp?"
    )
    client.force_login(alice)
    case_page = client.get(reverse("refunds:case", args=[refund.pk]))

    client.post(
        reverse("refunds:transition", args=[refund.pk, "respond"]),
        {"comment": "Stamped copy attached."},
    )

    assert "Stamp?" in case_page.text
    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW


def test_enterprise_posts_a_message(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)

    page = client.post(
        reverse("refunds:message", args=[refund.pk]),
        {"body": "When will this be paid?"},
        follow=True,
    )

    assert "When will this be paid?" in page.text


def test_a_draft_can_be_edited_before_it_is_submitted(client, cases, alice):
    refund = cases.draft()
    client.force_login(alice)
    form = client.get(reverse("refunds:edit", args=[refund.pk]))

    client.post(
        reverse("refunds:edit", args=[refund.pk]),
        {
            "contract": refund.contract_id,
            "reason": "deposit",
            "amount": "42000.00",
            "payee": "new",
            "payee_name": "Acme Robotics",
            "payee_bank": "Bank of Suzhou",
            "payee_account": "6222 0000 9999",
        },
    )

    assert form.status_code == 200
    refund.refresh_from_db()
    assert refund.amount == Decimal("42000.00")
    assert refund.payee_account == "622200009999"


def test_a_submitted_request_is_no_longer_editable(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)

    response = client.get(reverse("refunds:edit", args=[refund.pk]))

    assert response.url == reverse("refunds:case", args=[refund.pk])


def test_an_overlong_answer_is_refused_with_a_message(client, cases, alice, olivia):
    from refunds.services.lifecycle import refund_transition

    refund = cases.under_review()
    refund_transition(
        refund_id=refund.pk, name="request_info", actor=olivia, comment="Stamp?"
    )
    client.force_login(alice)

    page = client.post(
        reverse("refunds:transition", args=[refund.pk, "respond"]),
        {"comment": "x" * 5001},
        follow=True,
    )

    assert "Ensure this value has at most 5000 characters" in page.text
    refund.refresh_from_db()
    assert refund.state == State.INFO_REQUESTED
