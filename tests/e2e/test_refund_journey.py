"""One refund from application to approval, each step taken in the browser
by the person who owns it, in Chinese and in English.

Until the operations and risk apps take part in submission, the test
stands in for them: it names the case owner and records a risk
assessment through the lifecycle's own services.
"""

import re

import pytest
from django.db import transaction

from parkportal.accounts.roles import Role
from parkportal.accounts.services import system_user
from refunds.models import RefundRequest, State
from refunds.services.lifecycle import lock_refund, refund_record_assessment, set_owner
from tests.factories import (
    PDF_BYTES,
    BankAccountFactory,
    ContractFactory,
    EnterpriseFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def people():
    acme = EnterpriseFactory(name="Acme Robotics")
    ContractFactory(enterprise=acme, number="HT-2024-001", title="Unit 5 lease")
    BankAccountFactory(enterprise=acme, account_number="6222000011112222")
    return {
        "alice": UserFactory(username="alice", enterprise=acme, role=Role.ENTERPRISE),
        "olivia": UserFactory(username="olivia", role=Role.OPS_SPECIALIST),
        "mark": UserFactory(username="mark", role=Role.OPS_MANAGER),
    }


def upload(visitor, kind_label: str, name: str):
    page = visitor.page
    page.get_by_label(visitor._("Kind of document")).select_option(
        label=visitor._(kind_label)
    )
    page.get_by_label(visitor._("File"), exact=True).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    visitor.click_and_wait(visitor.button("Upload"))
    assert page.get_by_role("link", name=name).is_visible()


def notices(visitor) -> str:
    return visitor.page.locator("main").inner_text()[:400]


def stand_in_for_operations_and_risk(refund, owner):
    with transaction.atomic():
        set_owner(lock_refund(refund.pk), owner=owner, actor=system_user())
    refund_record_assessment(refund_id=refund.pk, risk_level="low", risk_score=10)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refund_goes_from_application_to_approval(visitors, people, language):
    alice = visitors(language).sign_in("alice")
    alice.assert_accessible()

    alice.click_and_wait(
        alice.page.get_by_role("link", name=alice._("Apply for a refund")).first
    )
    alice.assert_accessible()
    form = alice.page
    form.get_by_label(alice._("Contract")).select_option(
        label="HT-2024-001 · Unit 5 lease"
    )
    form.get_by_label(alice._("Reason")).select_option("deposit")
    form.get_by_label(alice._("Amount")).fill("8000.00")
    form.get_by_label(alice._("Description")).fill("Deposit for unit 5")
    form.get_by_label("Acme Robotics", exact=False).first.check()
    alice.click_and_wait(alice.button("Save and continue to documents"))

    refund = RefundRequest.objects.get()
    assert refund.state == State.DRAFT
    upload(alice, "Contract", "lease.pdf")
    upload(alice, "Bank proof", "receipt.pdf")
    alice.assert_accessible()
    alice.click_and_wait(alice.button("Submit the request"))
    assert alice.page.get_by_text(
        alice._("Under review"), exact=True
    ).first.is_visible()

    stand_in_for_operations_and_risk(refund, people["olivia"])
    olivia = visitors(language).sign_in("olivia")
    olivia.open(f"/refunds/{refund.pk}/")
    olivia.assert_accessible()
    olivia.page.get_by_label(olivia._("What should the enterprise send?")).fill(
        "Please add the invoice."
    )
    olivia.click_and_wait(olivia.button("Request information"))
    refund.refresh_from_db()
    assert refund.state == State.INFO_REQUESTED

    alice.open(f"/refunds/{refund.pk}/")
    assert alice.page.get_by_text("Please add the invoice.").first.is_visible()
    upload(alice, "Invoice", "invoice.pdf")
    alice.page.get_by_label(alice._("Your answer")).fill("The invoice is attached.")
    alice.click_and_wait(alice.button("Send the answer"))
    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW

    olivia.open(f"/refunds/{refund.pk}/")
    olivia.click_and_wait(olivia.button("Forward for approval"))
    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL, notices(olivia)

    mark = visitors(language).sign_in("mark")
    # A manager works in two places; the home page offers both.
    mark.click_and_wait(
        mark.page.get_by_role("main").get_by_role(
            # The delegation card mentions approvals too: match the title only.
            "link",
            name=re.compile("^" + re.escape(mark._("Approvals"))),
        )
    )
    mark.assert_accessible()
    case = mark.page.get_by_role("article").filter(has_text=refund.reference)
    mark.click_and_wait(case.get_by_role("button", name=mark._("Approve"), exact=True))

    refund.refresh_from_db()
    assert refund.state == State.APPROVED
    assert refund.approved_amount == refund.amount
    alice.open(f"/refunds/{refund.pk}/")
    assert alice.page.get_by_text(
        alice._("Approved: the payment will be scheduled.")
    ).is_visible()
    assert alice.page.locator("html").get_attribute("lang") == language
