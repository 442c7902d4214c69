"""Named actors, one per role, and a builder that walks a case forward."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import translation

from parkportal.accounts.roles import Role
from refunds.services.cases import refund_create
from refunds.services.documents import document_upload
from refunds.services.lifecycle import (
    refund_approve,
    refund_forward,
    refund_record_assessment,
    refund_submit,
)
from tests.factories import (
    BankAccountFactory,
    ContractFactory,
    EnterpriseFactory,
    UserFactory,
    pdf,
)


@pytest.fixture(autouse=True)
def tasks_in_process():
    """Celery tasks run in the test's process even when the environment
    names a broker: the broker is for the integration tests, which start
    real workers and switch this off where they publish."""
    from parkportal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def acme(db):
    acme = EnterpriseFactory(name="Acme Robotics")
    # The CaseBuilder's payee account, verified long ago: without it risk
    # screening flags every test case for an unverified payee.
    BankAccountFactory(
        enterprise=acme,
        account_number="6222000011112222",
        created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )
    return acme


@pytest.fixture
def globex(db):
    return EnterpriseFactory(name="Globex Materials")


@pytest.fixture
def acme_contract(acme):
    return ContractFactory(enterprise=acme)


@pytest.fixture
def alice(acme):
    """Applies for Acme."""
    return UserFactory(username="alice", enterprise=acme, role=Role.ENTERPRISE)


@pytest.fixture
def gary(globex):
    """Applies for Globex."""
    return UserFactory(username="gary", enterprise=globex, role=Role.ENTERPRISE)


@pytest.fixture
def olivia(db):
    """Operations specialist."""
    return UserFactory(username="olivia", role=Role.OPS_SPECIALIST)


@pytest.fixture
def mark(db):
    """Operations manager, first approval level."""
    return UserFactory(username="mark", role=Role.OPS_MANAGER)


@pytest.fixture
def fiona(db):
    """Finance officer."""
    return UserFactory(username="fiona", role=Role.FINANCE_OFFICER)


@pytest.fixture
def diana(db):
    """Finance director, second approval level."""
    return UserFactory(username="diana", role=Role.FINANCE_DIRECTOR)


@pytest.fixture
def carl(db):
    """Park committee, third approval level."""
    return UserFactory(username="carl", role=Role.COMMITTEE)


@pytest.fixture
def rita(db):
    """Risk officer."""
    return UserFactory(username="rita", role=Role.RISK_OFFICER)


@pytest.fixture
def audrey(db):
    """Third-party auditor, read-only."""
    return UserFactory(username="audrey", role=Role.AUDITOR)


class CaseBuilder:
    """Walks a refund through the lifecycle with the real services."""

    def __init__(self, applicant, contract, owner):
        self.applicant = applicant
        self.contract = contract
        self.owner = owner

    def draft(self, amount="50000.00", reason="deposit", **overrides):
        values = {
            "contract": self.contract,
            "reason": reason,
            "description": "Deposit returned at move-out",
            "amount": Decimal(amount),
            "currency": self.contract.currency,
            "payee_name": self.applicant.enterprise.name,
            "payee_bank": "Industrial Bank Suzhou",
            "payee_account": "6222000011112222",
            **overrides,
        }
        refund = refund_create(applicant=self.applicant, **values)
        for kind in ("contract", "invoice", "bank_proof"):
            document_upload(
                refund_id=refund.pk,
                actor=self.applicant,
                kind=kind,
                uploaded_file=pdf(f"{kind}.pdf"),
            )
        return refund

    def under_review(self, **kwargs):
        refund = refund_submit(refund_id=self.draft(**kwargs).pk, actor=self.applicant)
        refund.refresh_from_db()
        if refund.owner_id is None:
            type(refund).objects.filter(pk=refund.pk).update(owner=self.owner)
        if refund.risk_assessed_at is None:
            refund_record_assessment(
                refund_id=refund.pk, risk_level="low", risk_score=0
            )
        return type(refund).objects.get(pk=refund.pk)

    def pending_approval(self, **kwargs):
        refund = self.under_review(**kwargs)
        return refund_forward(refund_id=refund.pk, actor=self.owner)

    def approved(self, approvers, **kwargs):
        refund = self.pending_approval(**kwargs)
        for approver in approvers:
            refund = refund_approve(refund_id=refund.pk, actor=approver)
        return refund


@pytest.fixture
def cases(alice, acme_contract, olivia):
    return CaseBuilder(alice, acme_contract, olivia)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle counters (and anything else cached) never carry over from
    one test to the next."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request in Chinese leaves Chinese active in the thread, as Django's
    locale middleware does between requests; the next test starts in the
    default language."""
    yield
    translation.deactivate()
