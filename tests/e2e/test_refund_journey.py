"""One refund from application to the enterprise's rating, each step taken
in the browser by the person who owns it, in Chinese and in English: the
application, a request for information and its answer, approval at three
levels, a batch built by one finance person and authorised by another,
the bank's statement, closing, and the rating.

Screening and assignment happen on submission, as in production: the
shipped risk rules hold a million-yuan refund to a payee account verified
days ago, so the risk officer clears the hold on the risk desk before the
case owner, whom operations assigned, reviews it.
"""

import re
from decimal import Decimal

import pytest

from finance import bankfiles
from finance.models import DisbursementBatch, Payment
from operations.models import Rating
from parkportal.accounts.roles import Role
from parkportal.core import clock
from refunds.models import ApprovalStep, RefundRequest, State
from risk import demo as risk_demo
from tests.factories import (
    PDF_BYTES,
    BankAccountFactory,
    ContractFactory,
    EnterpriseFactory,
    UserFactory,
)
from tests.payments import fund_pool

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

# Large enough for all three levels of the default policy: the operations
# manager, the finance director (from 100 000) and the park committee
# (from 1 000 000).
AMOUNT = "1200000.00"


@pytest.fixture
def people():
    acme = EnterpriseFactory(name="Acme Robotics")
    ContractFactory(
        enterprise=acme,
        number="HT-2024-001",
        title="Unit 5 lease",
        paid_amount=Decimal("2400000.00"),
    )
    BankAccountFactory(enterprise=acme, account_number="6222000011112222")
    people = {
        "alice": UserFactory(username="alice", enterprise=acme, role=Role.ENTERPRISE),
        "olivia": UserFactory(username="olivia", role=Role.OPS_SPECIALIST),
        "mark": UserFactory(username="mark", role=Role.OPS_MANAGER),
        "fiona": UserFactory(username="fiona", role=Role.FINANCE_OFFICER),
        "diana": UserFactory(username="diana", role=Role.FINANCE_DIRECTOR),
        "carl": UserFactory(username="carl", role=Role.COMMITTEE),
        "rita": UserFactory(username="rita", role=Role.RISK_OFFICER),
    }
    fund_pool("2000000.00", officer=people["fiona"], director=people["diana"])
    # A transactional test empties the tables the data migration filled.
    risk_demo.seed()
    return people


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


def clear_the_hold(rita, refund):
    rita.open("/risk/")
    rita.assert_accessible()
    hold = rita.page.get_by_role("article").filter(has_text=refund.reference)
    hold.get_by_label(rita._("Comment")).fill("Account confirmed with the bank.")
    rita.click_and_wait(hold.get_by_role("button", name=rita._("Clear hold")))
    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW, notices(rita)


def approve_in_inbox(visitor, refund):
    visitor.open("/refunds/approvals/")
    visitor.assert_accessible()
    case = visitor.page.get_by_role("article").filter(has_text=refund.reference)
    visitor.click_and_wait(
        case.get_by_role("button", name=visitor._("Approve"), exact=True)
    )


def bank_statement_for(payment) -> bytes:
    """The camt.053 file the bank sends back once it has paid."""
    entry = bankfiles.StatementEntry(
        line_key=f"{payment.end_to_end_id}-1",
        end_to_end_id=payment.end_to_end_id,
        amount=payment.amount,
        currency=payment.currency,
        booking_date=clock.today(),
        returned=False,
        reason="",
    )
    return bankfiles.camt053(
        statement_id="STMT-E2E-1",
        created_at=clock.now(),
        account="TEST",
        entries=[entry],
    )


def apply_and_submit(alice):
    alice.click_and_wait(
        alice.page.get_by_role("link", name=alice._("Apply for a refund")).first
    )
    alice.assert_accessible()
    form = alice.page
    form.get_by_label(alice._("Contract")).select_option(
        label="HT-2024-001 · Unit 5 lease"
    )
    form.get_by_label(alice._("Reason")).select_option("deposit")
    form.get_by_label(alice._("Amount")).fill(AMOUNT)
    form.get_by_label(alice._("Description")).fill("Deposit for unit 5")
    form.get_by_label("Acme Robotics", exact=False).first.check()
    alice.click_and_wait(alice.button("Save and continue to documents"))

    refund = RefundRequest.objects.get()
    assert refund.state == State.DRAFT
    upload(alice, "Contract", "lease.pdf")
    upload(alice, "Bank proof", "receipt.pdf")
    alice.assert_accessible()
    alice.click_and_wait(alice.button("Submit the request"))
    refund.refresh_from_db()
    assert refund.state == State.ON_HOLD
    return refund


def ask_and_answer(olivia, alice, refund):
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


def pay(fiona, diana, refund):
    fiona.open("/finance/batches/")
    fiona.assert_accessible()
    fiona.page.locator(f"#pick-{refund.pk}").check()
    fiona.click_and_wait(fiona.button("Build batch"))
    batch = DisbursementBatch.objects.get()
    assert batch.status == "draft"
    # The person who built the batch may not authorise it.
    assert fiona.page.get_by_text(
        fiona._(
            "You built this batch: the finance director, another person, authorises it."
        )
    ).is_visible()

    diana.open(f"/finance/batches/{batch.pk}/")
    diana.assert_accessible()
    diana.click_and_wait(diana.button("Authorise batch"))
    refund.refresh_from_db()
    assert refund.state == State.DISBURSING, notices(diana)

    payment = Payment.objects.get(refund=refund)
    fiona.open("/finance/statements/")
    fiona.assert_accessible()
    fiona.page.get_by_label(fiona._("Format")).select_option("camt053")
    fiona.page.get_by_label(fiona._("Bank statement")).set_input_files(
        {
            "name": "statement.xml",
            "mimeType": "application/xml",
            "buffer": bank_statement_for(payment),
        }
    )
    fiona.click_and_wait(fiona.button("Import"))
    refund.refresh_from_db()
    assert refund.state == State.DISBURSED, notices(fiona)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refund_goes_from_application_to_rating(visitors, people, language):
    alice = visitors(language).sign_in("alice")
    alice.assert_accessible()
    refund = apply_and_submit(alice)

    assert refund.owner == people["olivia"]
    rita = visitors(language).sign_in("rita")
    clear_the_hold(rita, refund)
    olivia = visitors(language).sign_in("olivia")
    ask_and_answer(olivia, alice, refund)

    olivia.open(f"/refunds/{refund.pk}/")
    olivia.click_and_wait(olivia.button("Forward for approval"))
    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL, notices(olivia)

    mark = visitors(language).sign_in("mark")
    # A manager works in two places; the home page offers both.
    approvals = re.compile("^" + re.escape(mark._("Approvals")))
    mark.click_and_wait(
        mark.page.get_by_role("main").get_by_role("link", name=approvals)
    )
    approve_in_inbox(mark, refund)
    diana = visitors(language).sign_in("diana")
    approve_in_inbox(diana, refund)
    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL, notices(diana)
    carl = visitors(language).sign_in("carl")
    approve_in_inbox(carl, refund)

    refund.refresh_from_db()
    assert refund.state == State.APPROVED, notices(carl)
    assert refund.approved_amount == refund.amount
    signers = ApprovalStep.objects.filter(refund=refund, status="approved")
    assert sorted(signers.values_list("decided_by__username", flat=True)) == [
        "carl",
        "diana",
        "mark",
    ]
    alice.open(f"/refunds/{refund.pk}/")
    assert alice.page.get_by_text(
        alice._("Approved: the payment will be scheduled.")
    ).is_visible()

    fiona = visitors(language).sign_in("fiona")
    pay(fiona, diana, refund)

    olivia.open(f"/refunds/{refund.pk}/")
    olivia.click_and_wait(olivia.button("Close the case"))
    refund.refresh_from_db()
    assert refund.state == State.CLOSED, notices(olivia)

    alice.open(f"/refunds/{refund.pk}/")
    alice.assert_accessible()
    alice.page.get_by_label(alice._("5 – excellent")).check()
    alice.click_and_wait(alice.button("Send the rating"))
    rating = Rating.objects.get(refund=refund)
    assert rating.score == 5
    assert rating.author.username == "alice"
    assert alice.page.locator("html").get_attribute("lang") == language
