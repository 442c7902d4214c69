import datetime

import pytest

from parkportal.core import clock
from tests.factories import BankAccountFactory, ContractFactory
from tests.risk.conftest import judge
from tests.risk.factories import PastRefundFactory

pytestmark = pytest.mark.django_db


def test_payee_shared_hits_an_account_registered_to_another_enterprise(cases, globex):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.under_review(payee_account="6222999900001111")

    verdict = judge("payee_shared", refund)

    assert verdict.hit
    assert verdict.params == {"account": "**** 1111", "enterprise": globex.name}


def test_payee_shared_hits_an_account_another_enterprise_was_paid_on(cases, globex):
    other = PastRefundFactory(
        contract=ContractFactory(enterprise=globex), payee_account="6222999900002222"
    )
    refund = cases.under_review(payee_account="6222999900002222")

    verdict = judge("payee_shared", refund)

    assert verdict.hit
    assert verdict.params["reference"] == other.reference


def test_payee_shared_passes_the_enterprises_own_account(cases, acme_contract):
    PastRefundFactory(contract=acme_contract)

    assert not judge("payee_shared", cases.under_review()).hit


def test_payee_unverified_hits_an_unknown_account(cases):
    verdict = judge("payee_unverified", cases.under_review(payee_account="62220000999"))

    assert verdict.hit
    assert verdict.params == {"account": "**** 0999"}


def test_payee_unverified_hits_an_account_added_last_week(cases, acme):
    BankAccountFactory(
        enterprise=acme,
        account_number="6222000055556666",
        created_at=clock.now() - datetime.timedelta(days=7),
        verified_at=clock.now() - datetime.timedelta(days=6),
    )

    verdict = judge(
        "payee_unverified", cases.under_review(payee_account="6222000055556666")
    )

    assert verdict.hit
    assert verdict.params["days"] == 30


def test_payee_unverified_hits_an_account_registered_but_never_verified(cases, acme):
    BankAccountFactory(
        enterprise=acme, account_number="6222000077778888", verified_at=None
    )

    assert judge(
        "payee_unverified", cases.under_review(payee_account="6222000077778888")
    ).hit


def test_payee_unverified_passes_an_account_verified_long_ago(cases):
    assert not judge("payee_unverified", cases.under_review()).hit


def test_new_enterprise_hits_a_recent_registration(alice, acme, olivia):
    from tests.conftest import CaseBuilder

    acme.registered_on = clock.today() - datetime.timedelta(days=20)
    acme.save()
    refund = CaseBuilder(alice, ContractFactory(enterprise=acme), olivia).under_review()

    verdict = judge("new_enterprise", refund)

    assert verdict.hit
    assert verdict.params["age"] == 20


def test_new_enterprise_passes_an_established_one(cases):
    assert not judge("new_enterprise", cases.under_review()).hit


def test_shared_document_hits_the_same_file_on_another_enterprises_case(cases, globex):
    from refunds.models import Document

    mine = cases.under_review()
    theirs = PastRefundFactory(contract=ContractFactory(enterprise=globex))
    original = mine.documents.first()
    Document.objects.create(
        refund=theirs,
        kind="invoice",
        file="refunds/x/copy",
        original_name="copy.pdf",
        content_type="application/pdf",
        size=10,
        sha256=original.sha256,
        uploaded_by=theirs.applicant,
        created_at=clock.now() - datetime.timedelta(days=3),
    )

    verdict = judge("shared_document", mine)

    assert verdict.hit
    assert verdict.params["reference"] == theirs.reference


def test_shared_document_passes_files_reused_within_one_enterprise(cases):
    cases.under_review()

    assert not judge("shared_document", cases.under_review(amount="700.00")).hit


def test_shared_document_ignores_files_attached_after_the_assessment(cases, globex):
    from refunds.models import Document

    mine = cases.under_review()
    theirs = PastRefundFactory(contract=ContractFactory(enterprise=globex))
    Document.objects.create(
        refund=theirs,
        kind="invoice",
        file="refunds/x/copy",
        original_name="copy.pdf",
        content_type="application/pdf",
        size=10,
        sha256=mine.documents.first().sha256,
        uploaded_by=theirs.applicant,
        created_at=clock.now() + datetime.timedelta(days=3),
    )

    assert not judge("shared_document", mine).hit
