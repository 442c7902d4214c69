"""A small demo of the refund lifecycle, built with the real services:
one case in each state the lifecycle reaches on its own, and one person
per role. The browser tests and bin/screenshots both use it.

Until the operations and risk apps take part in submission, `under_review`
stands in for them: it names the case owner and records a low-risk
assessment through the lifecycle's own services.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from finance import demo as finance_demo
from finance.services.batches import batch_build
from finance.services.top_ups import top_up_propose
from parkportal.accounts.models import BankAccount, Contract, Enterprise
from parkportal.accounts.roles import Role
from parkportal.accounts.services import system_user, user_grant_role
from parkportal.core import clock
from refunds.services.cases import refund_create
from refunds.services.documents import document_upload
from refunds.services.lifecycle import (
    lock_refund,
    refund_approve,
    refund_forward,
    refund_record_assessment,
    refund_submit,
    refund_transition,
    set_owner,
)
from refunds.services.messages import message_post
from risk import demo as risk_demo
from risk.models import Rule
from tests.factories import credit_code

PASSWORD = "parkportal-demo"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PEOPLE = (
    ("enterprise", "王晓梅", Role.ENTERPRISE, "acme"),
    ("enterprise2", "李建国", Role.ENTERPRISE, "globex"),
    ("ops", "陈静", Role.OPS_SPECIALIST, None),
    ("manager", "周明", Role.OPS_MANAGER, None),
    ("finance", "赵芳", Role.FINANCE_OFFICER, None),
    ("director", "孙伟", Role.FINANCE_DIRECTOR, None),
    ("committee", "吴洁", Role.COMMITTEE, None),
    ("risk", "郑强", Role.RISK_OFFICER, None),
    ("auditor", "冯蕾", Role.AUDITOR, None),
)


@dataclass
class Demo:
    users: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)


def _enterprise(name, code, account):
    enterprise = Enterprise.objects.create(
        name=name, credit_code=code, registered_on=datetime.date(2019, 3, 1)
    )
    # The account is on file since 2024, as a settled enterprise's would be;
    # a freshly added payee account is one of the risk rules' signals.
    verified = datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC)
    with clock.travel(verified):
        BankAccount.objects.create(
            enterprise=enterprise,
            holder_name=name,
            bank_name="兴业银行苏州分行",
            account_number=account,
            verified_at=verified,
        )
    return enterprise


def _person(username, display_name, role, enterprise):
    user = get_user_model().objects.create_user(
        username=username,
        password=PASSWORD,
        display_name=display_name,
        enterprise=enterprise,
    )
    user_grant_role(user=user, role=role)
    return user


class _Builder:
    def __init__(self, demo, applicant, contract):
        self.demo = demo
        self.applicant = applicant
        self.contract = contract

    def draft(self, amount, reason="deposit", documents=("contract", "bank_proof")):
        account = self.applicant.enterprise.bank_accounts.first()
        refund = refund_create(
            applicant=self.applicant,
            contract=self.contract,
            reason=reason,
            description="入驻期满退还的保证金",
            amount=Decimal(amount),
            currency=self.contract.currency,
            payee_name=account.holder_name,
            payee_bank=account.bank_name,
            payee_account=account.account_number,
        )
        for kind in documents:
            document_upload(
                refund_id=refund.pk,
                actor=self.applicant,
                kind=kind,
                uploaded_file=SimpleUploadedFile(f"{kind}.pdf", PDF),
            )
        return refund

    def under_review(self, amount, **kwargs):
        refund = refund_submit(
            refund_id=self.draft(amount, **kwargs).pk, actor=self.applicant
        )
        ops = self.demo.users["ops"]
        with transaction.atomic():
            set_owner(lock_refund(refund.pk), owner=ops, actor=system_user())
        refund_record_assessment(refund_id=refund.pk, risk_level="low", risk_score=12)
        return refund

    def pending(self, amount, **kwargs):
        refund = self.under_review(amount, **kwargs)
        return refund_forward(refund_id=refund.pk, actor=self.demo.users["ops"])


def build_demo() -> Demo:
    demo = Demo()
    acme = _enterprise("星河机器人有限公司", credit_code(1), "6222000011112222")
    globex = _enterprise("华东新材料有限公司", credit_code(2), "6222000033334444")
    enterprises = {"acme": acme, "globex": globex}
    for username, name, role, enterprise in PEOPLE:
        demo.users[username] = _person(
            username, name, role, enterprises.get(enterprise)
        )
    lease = Contract.objects.create(
        enterprise=acme,
        number="HT-2024-0317",
        title="研发楼 5 层租赁合同",
        paid_amount=Decimal("2400000.00"),
    )
    Contract.objects.create(
        enterprise=globex,
        number="HT-2023-0902",
        title="厂房租赁合同",
        paid_amount=Decimal("800000.00"),
    )
    users = demo.users
    acme_cases = _Builder(demo, users["enterprise"], lease)

    demo.cases["draft"] = acme_cases.draft("36000.00", documents=("contract",))
    demo.cases["under_review"] = acme_cases.under_review("48500.00")
    message_post(
        refund_id=demo.cases["under_review"].pk,
        author=users["enterprise"],
        body="请问大概什么时候可以到账？",
    )
    message_post(
        refund_id=demo.cases["under_review"].pk,
        author=users["ops"],
        body="已核对合同，付款凭证待财务确认。",
        internal=True,
    )

    info = acme_cases.under_review(
        "12800.00",
        reason="overpayment",
        documents=("contract", "invoice", "bank_proof"),
    )
    demo.cases["info_requested"] = refund_transition(
        refund_id=info.pk,
        name="request_info",
        actor=users["ops"],
        comment="请补充加盖公章的付款凭证扫描件。",
    )
    demo.cases["pending_manager"] = acme_cases.pending("86000.00")
    large = acme_cases.pending("350000.00")
    demo.cases["pending_director"] = refund_approve(
        refund_id=large.pk,
        actor=users["manager"],
        amount=Decimal("320000.00"),
        comment="扣除未结清的物业费 30,000 元。",
    )
    approved = acme_cases.pending("22000.00")
    demo.cases["approved"] = refund_approve(
        refund_id=approved.pk, actor=users["manager"]
    )
    rejected = acme_cases.pending("15000.00")
    demo.cases["rejected"] = refund_transition(
        refund_id=rejected.pk,
        name="reject",
        actor=users["manager"],
        comment="该保证金已于去年退还。",
    )
    withdrawn = acme_cases.draft("5000.00")
    demo.cases["withdrawn"] = refund_transition(
        refund_id=withdrawn.pk, name="withdraw", actor=users["enterprise"]
    )
    return demo


# The main pages: a name, who looks at it, and where it is.
def main_pages(demo: Demo) -> list[tuple[str, str | None, str]]:
    case = demo.cases
    return [
        ("sign-in", None, "/accounts/login/"),
        ("enterprise-refunds", "enterprise", "/refunds/"),
        ("enterprise-apply", "enterprise", "/refunds/apply/"),
        ("enterprise-case-draft", "enterprise", f"/refunds/{case['draft'].pk}/"),
        ("enterprise-edit-draft", "enterprise", f"/refunds/{case['draft'].pk}/edit/"),
        (
            "enterprise-case-info-requested",
            "enterprise",
            f"/refunds/{case['info_requested'].pk}/",
        ),
        ("enterprise-password", "enterprise", "/accounts/password/"),
        ("ops-cases", "ops", "/refunds/cases/"),
        ("ops-case", "ops", f"/refunds/{case['under_review'].pk}/"),
        ("manager-home", "manager", "/"),
        ("manager-approvals", "manager", "/refunds/approvals/"),
        ("director-approvals", "director", "/refunds/approvals/"),
        ("director-case", "director", f"/refunds/{case['pending_director'].pk}/"),
        ("auditor-cases", "auditor", "/refunds/audit/"),
        ("auditor-trail", "auditor", "/refunds/audit/trail/"),
        ("committee-dashboard", "committee", "/dashboard/"),
        ("committee-report", "committee", "/dashboard/report/2026/11/"),
        ("not-found", "enterprise2", f"/refunds/{case['draft'].pk}/"),
        ("ops-queue-mine", "ops", "/ops/queues/mine/"),
        ("ops-queue-team-filtered", "ops", "/ops/queues/team/?deadline=overdue"),
        ("manager-queue-team", "manager", "/ops/queues/team/"),
        ("manager-delegations", "manager", "/ops/delegations/"),
        ("ops-inbox", "ops", "/ops/inbox/"),
        ("enterprise-inbox", "enterprise", "/ops/inbox/"),
        (
            "enterprise-case-rejected",
            "enterprise",
            f"/refunds/{case['rejected'].pk}/",
        ),
    ]


def desk_pages(demo) -> list[tuple[str, str, str]]:
    """The finance and risk desks, and the matrix as the auditor reads it:
    a funded pool serves the approved demo case, which goes into a batch
    waiting for the director, and a top-up waits for confirmation."""
    finance_demo.seed(users=demo.users, enterprises=[])
    batch = batch_build(
        actor=demo.users["finance"], refund_ids=[demo.cases["approved"].pk]
    )
    top_up_propose(actor=demo.users["finance"], amount=Decimal("500000.00"), note="Q3")
    # A transactional test empties the tables the data migration filled:
    # put the shipped rules back before opening one.
    risk_demo.seed()
    rule = Rule.objects.get(code="velocity")
    return [
        ("finance-desk", "finance", "/finance/"),
        ("finance-ledger", "finance", "/finance/ledger/"),
        ("finance-top-ups", "finance", "/finance/top-ups/"),
        ("finance-batches", "finance", "/finance/batches/"),
        ("finance-batch", "director", f"/finance/batches/{batch.pk}/"),
        ("finance-statements", "finance", "/finance/statements/"),
        ("finance-reconciliation", "finance", "/finance/reconciliation/"),
        ("finance-rates", "finance", "/finance/rates/"),
        ("finance-forecast", "director", "/finance/forecast/"),
        ("finance-reports", "director", "/finance/reports/"),
        ("risk-holds", "risk", "/risk/"),
        ("risk-rules", "risk", "/risk/rules/"),
        ("risk-rule", "risk", f"/risk/rules/{rule.pk}/"),
        ("risk-matrix", "risk", "/risk/matrix/"),
        ("auditor-matrix", "auditor", "/risk/matrix/"),
    ]
