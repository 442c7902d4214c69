"""Demo data: two enterprises, one account per role and a year of refund
cases, made only through the real services while the application clock is
set back, so that every timestamp tells a believable history.

`seed_demo()` runs SEED_STEPS in order inside one transaction: a failure
leaves the database as it was, and the demo enterprise existing afterwards
is the marker that makes a second run change nothing. An app that needs
demo data of its own (finance's reserve pool, operations' SLA targets,
risk's rules) adds one function to SEED_STEPS; a step that must exist
before the first case is created goes before `seed_cases`.
"""

import heapq
import logging
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from finance import bankfiles
from finance import demo as finance_demo
from finance.models import Payment
from finance.services.reconciliation import statement_import
from operations import demo as operations_demo
from parkportal.accounts.models import BankAccount, Contract, Enterprise
from parkportal.accounts.roles import Role
from parkportal.accounts.services import roles_ensure, user_grant_role
from parkportal.accounts.validators import uscc_check_character
from parkportal.core import clock
from parkportal.core.errors import DomainError
from refunds.models import ApprovalThreshold, RefundRequest, State
from refunds.rules import REQUIRED_DOCUMENTS
from refunds.services.audit import audit_chain_verify
from refunds.services.cases import refund_correct_payee, refund_create
from refunds.services.documents import document_upload
from refunds.services.lifecycle import (
    lock_refund,
    refund_approve,
    refund_forward,
    refund_record_assessment,
    refund_reject,
    refund_send_back,
    refund_submit,
    refund_transition,
    set_owner,
)
from refunds.services.messages import message_post
from risk import demo as risk_demo

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "parkportal-demo"
CASE_COUNT = 240
HISTORY_DAYS = 365
# A fixed seed: every demo database tells the same story.
RANDOM_SEED = 20260101

# username, enterprise name, first 17 characters of the credit code,
# green channel, contact person, phone, e-mail.
DEMO_ENTERPRISES = (
    (
        "enterprise",
        "苏州星河精密制造有限公司",
        "91320594MA1XH7Q2K",
        False,
        "刘洋",
        "0512-6688 1201",
        "finance@xinghe-precision.example.com",
    ),
    (
        "enterprise2",
        "苏州蓝湾生物科技有限公司",
        "91320594MA27BN6D3",
        True,
        "黄婷",
        "0512-6270 3407",
        "finance@lanwan-bio.example.com",
    ),
)
DEMO_STAFF = (
    ("ops", Role.OPS_SPECIALIST, "王芳"),
    ("ops2", Role.OPS_SPECIALIST, "李强"),
    ("manager", Role.OPS_MANAGER, "陈静"),
    ("finance", Role.FINANCE_OFFICER, "赵磊"),
    ("director", Role.FINANCE_DIRECTOR, "周敏"),
    ("committee", Role.COMMITTEE, "吴建国"),
    ("risk", Role.RISK_OFFICER, "孙悦"),
    ("auditor", Role.AUDITOR, "郑华"),
)
APPROVER_BY_LEVEL = {
    "ops_manager": "manager",
    "finance_director": "director",
    "committee": "committee",
}


class DemoRefused(Exception):
    pass


@dataclass
class Demo:
    """What the seeding steps share."""

    now: datetime
    rng: random.Random
    case_count: int = CASE_COUNT
    users: dict = field(default_factory=dict)
    contracts: dict = field(default_factory=dict)  # enterprise id -> list
    bank_accounts: dict = field(default_factory=dict)  # enterprise id -> list
    abandoned: Counter = field(default_factory=Counter)


def demo_credit_code(first_17: str) -> str:
    return first_17 + uscc_check_character(first_17)


def is_seeded() -> bool:
    code = demo_credit_code(DEMO_ENTERPRISES[0][2])
    return Enterprise.objects.filter(credit_code=code).exists()


def seed_demo(
    *, debug: bool, force: bool = False, cases: int = CASE_COUNT
) -> Demo | None:
    """Fill an empty database; None when the demo data is already there."""
    if not debug and not force:
        raise DemoRefused(
            "DEBUG is off: this looks like production. Run with --force to seed anyway."
        )
    if is_seeded():
        return None
    taken = get_user_model().objects.filter(username__in=demo_usernames())
    if taken.exists():
        names = ", ".join(taken.values_list("username", flat=True))
        raise DemoRefused(
            f"The accounts {names} exist already; the demo needs an empty database."
        )

    demo = Demo(now=clock.now(), rng=random.Random(RANDOM_SEED), case_count=cases)
    with transaction.atomic():
        for step in SEED_STEPS:
            step(demo)
    return demo


# Step 1: people, enterprises, contracts and verified bank accounts.


def seed_people(demo: Demo) -> None:
    # Hashing is slow on purpose; every demo account shares one password.
    password = make_password(DEMO_PASSWORD)
    # Everybody arrived in the park before the first case of the year.
    with clock.travel(demo.now - timedelta(days=HISTORY_DAYS + 30)):
        roles_ensure()
        for username, *details in DEMO_ENTERPRISES:
            enterprise = _demo_enterprise(*details)
            contact = enterprise.contact_name
            _demo_user(username, password, contact, Role.ENTERPRISE, enterprise)
            demo.contracts[enterprise.pk] = _demo_contracts(enterprise)
            demo.bank_accounts[enterprise.pk] = _demo_bank_accounts(enterprise)
        for username, role, display_name in DEMO_STAFF:
            _demo_user(username, password, display_name, role)
        admin = _demo_user("admin", password, "系统管理员", None)
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    demo.users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=demo_usernames())
    }


def demo_usernames() -> list[str]:
    return [
        *(row[0] for row in DEMO_ENTERPRISES),
        *(row[0] for row in DEMO_STAFF),
        "admin",
    ]


def _demo_enterprise(name, code, green, contact, phone, email) -> Enterprise:
    enterprise = Enterprise(
        name=name,
        credit_code=demo_credit_code(code),
        contact_name=contact,
        contact_email=email,
        contact_phone=phone,
        green_channel=green,
        registered_on=date(2019, 3, 1) if green else date(2021, 9, 15),
    )
    enterprise.full_clean()
    enterprise.save()
    return enterprise


def _demo_user(username, password, display_name, role, enterprise=None):
    user = get_user_model().objects.create(
        username=username,
        password=password,
        email=f"{username}@parkportal.example.com",
        display_name=display_name,
        enterprise=enterprise,
    )
    if role:
        user_grant_role(user=user, role=role)
    return user


def _demo_contracts(enterprise) -> list[Contract]:
    prefix = "XH" if not enterprise.green_channel else "LW"
    return [
        Contract.objects.create(
            enterprise=enterprise,
            number=f"SIP-{prefix}-{2019 + n}-{n + 1:03d}",
            title=title,
            paid_amount=Decimal("30000000.00"),
            currency="CNY",
            signed_on=date(2019 + n, 4, 1),
        )
        for n, title in enumerate(
            ("厂房租赁合同", "物业服务合同", "配套设施建设协议", "产业扶持协议")
        )
    ]


def _demo_bank_accounts(enterprise) -> list[BankAccount]:
    digits = "".join(char for char in enterprise.credit_code if char.isdigit())
    return [
        BankAccount.objects.create(
            enterprise=enterprise,
            holder_name=enterprise.name,
            bank_name=bank,
            account_number=f"6222{digits[-8:]}{n:04d}",
            verified_at=clock.now(),
        )
        for n, bank in enumerate(("中国工商银行苏州工业园区支行", "招商银行苏州分行"))
    ]


# Step 2: a year of cases. Each case gets a planned path through the
# lifecycle; the steps of all cases then run in the order of their moments,
# so references, audit events and contract balances follow real time.


@dataclass
class CasePlan:
    index: int
    applicant: object
    owner: object
    contract: Contract
    reason: str
    amount: Decimal
    steps: list  # (moment, step name, parameters)
    refund_id: int | None = None
    abandoned: bool = False


# How long a step takes after the one before it, in hours (low, high),
# drawn on a log scale: most steps are quick, a few take weeks.
STEP_HOURS = {
    "documents": (0.05, 4),
    "submit": (0.5, 72),
    "assess": (0.01, 0.2),
    "assign": (0.1, 6),
    "request_info": (4, 120),
    "respond": (12, 240),
    "hold": (1, 48),
    "clear": (24, 240),
    "reject_held": (24, 336),
    "forward": (8, 240),
    "send_back": (4, 96),
    "approve": (2, 120),
    "reject": (4, 120),
    "schedule": (12, 168),
    "mark_failed": (24, 72),
    "correct_payee": (4, 72),
    "retry": (1, 24),
    "confirm_paid": (12, 96),
    "close": (24, 336),
    "withdraw": (2, 240),
}
# Where a case ends up, weighted: young cases are mostly still open.
RECENT_TARGETS = {
    "draft": 4,
    "under_review": 8,
    "info_requested": 4,
    "on_hold": 2,
    "pending_approval": 6,
    "approved": 3,
    "disbursing": 2,
    "disbursement_failed": 1,
    "withdrawn": 1,
}
SETTLED_TARGETS = {
    "closed": 34,
    "disbursed": 6,
    "rejected": 8,
    "rejected_on_hold": 2,
    "withdrawn": 5,
    "disbursement_failed": 1,
    "approved": 1,
    "disbursing": 1,
    "pending_approval": 1,
    "on_hold": 1,
    "info_requested": 1,
    "draft": 1,
}
RECENT_DAYS = 60


def seed_cases(demo: Demo) -> None:
    thresholds = list(ApprovalThreshold.objects.filter(active=True))
    # The first cases take one path each, so that even a small demo shows
    # every state; the rest are drawn by weight.
    covering = list(dict.fromkeys([*RECENT_TARGETS, *SETTLED_TARGETS]))
    plans = [
        _plan_case(demo, index, thresholds, covering[index])
        if index < len(covering)
        else _plan_case(demo, index, thresholds)
        for index in range(demo.case_count)
    ]
    agenda = [
        (moment, plan.index, position)
        for plan in plans
        for position, (moment, _name, _params) in enumerate(plan.steps)
    ]
    heapq.heapify(agenda)
    while agenda:
        moment, index, position = heapq.heappop(agenda)
        plan = plans[index]
        if plan.abandoned:
            continue
        _moment, name, params = plan.steps[position]
        with clock.travel(moment):
            _run_step(demo, plan, name, params)


def _run_step(demo: Demo, plan: CasePlan, name: str, params: dict) -> None:
    try:
        CASE_STEPS[name](demo, plan, **params)
    except (DomainError, SkipCase) as refusal:
        # A receiver of another app took the case elsewhere (a risk hold
        # on submission, say); the case stays where the services left it.
        plan.abandoned = True
        demo.abandoned[name] += 1
        logger.info("demo case %s stops before %s: %s", plan.index, name, refusal)


def _plan_case(demo: Demo, index: int, thresholds, target: str = "") -> CasePlan:
    rng = demo.rng
    username = "enterprise" if rng.random() < 0.6 else "enterprise2"
    applicant = demo.users[username]
    if target in RECENT_TARGETS:
        age_days = rng.uniform(0.2, RECENT_DAYS)
    elif target:
        age_days = rng.uniform(RECENT_DAYS, HISTORY_DAYS)
    else:
        age_days = rng.uniform(0.2, HISTORY_DAYS)
        targets = RECENT_TARGETS if age_days < RECENT_DAYS else SETTLED_TARGETS
        target = rng.choices(list(targets), weights=list(targets.values()))[0]
    start = demo.now - timedelta(days=age_days)
    amount = _demo_amount(rng)
    levels = [t.level for t in thresholds if amount >= t.min_amount_cny]
    path = _path(rng, target, max(len(levels), 1))
    return CasePlan(
        index=index,
        applicant=applicant,
        owner=demo.users["ops" if rng.random() < 0.55 else "ops2"],
        contract=rng.choice(demo.contracts[applicant.enterprise_id]),
        reason=rng.choices(
            ["deposit", "prepaid_fee", "overpayment", "incentive_correction", "other"],
            weights=[35, 25, 20, 10, 10],
        )[0],
        amount=amount,
        steps=_schedule(rng, path, start, demo.now - timedelta(minutes=10)),
    )


def _demo_amount(rng: random.Random) -> Decimal:
    band = rng.random()
    low, high = (
        (5_000, 100_000)
        if band < 0.7
        else (100_000, 1_000_000)
        if band < 0.93
        else (1_000_000, 3_000_000)
    )
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return Decimal(round(value / 10) * 10).quantize(Decimal("0.01"))


def _path(rng: random.Random, target: str, level_count: int) -> list:
    """The steps that take a new case to `target`."""
    if target == "draft":
        return [("create", {}), ("documents", {"partial": rng.random() < 0.5})]
    if target == "withdrawn":
        early = rng.choice([[], _intake(), [*_intake(), ("request_info", {})]])
        return [("create", {}), ("documents", {}), *early[2:], ("withdraw", {})]

    steps = _intake()
    if target == "under_review":
        return steps + (_info_round() if rng.random() < 0.4 else [])
    if target == "info_requested":
        return [*steps, ("request_info", {})]
    if target == "on_hold":
        return [*steps, ("hold", {})]
    if target == "rejected_on_hold":
        return [*steps, ("hold", {}), ("reject_held", {})]

    if rng.random() < 0.3:
        steps += _info_round()
    if rng.random() < 0.08:
        steps += [("hold", {}), ("clear", {})]
    steps.append(("forward", {}))
    if rng.random() < 0.1:
        steps += [("send_back", {}), ("forward", {})]
    approvals = [
        ("approve", {"last": n == level_count - 1}) for n in range(level_count)
    ]
    if target == "pending_approval":
        return steps + approvals[: rng.randrange(level_count)]
    if target == "rejected":
        return [*steps, *approvals[: rng.randrange(level_count)], ("reject", {})]
    if rng.random() < 0.12:
        approvals[-1] = ("approve", {"last": True, "reduce": True})
    steps += approvals
    return steps + _payment_path(rng, target)


def _intake() -> list:
    return [
        ("create", {}),
        ("documents", {}),
        ("submit", {}),
        ("assess", {}),
        ("assign", {}),
    ]


def _info_round() -> list:
    return [("request_info", {}), ("respond", {})]


def _payment_path(rng: random.Random, target: str) -> list:
    if target == "approved":
        return []
    if target == "disbursing":
        return [("schedule", {})]
    if target == "disbursement_failed":
        return [("schedule", {}), ("mark_failed", {})]
    paid = [("schedule", {}), ("confirm_paid", {})]
    if rng.random() < 0.06:
        paid[1:1] = [("mark_failed", {}), ("correct_payee", {}), ("retry", {})]
    return paid if target == "disbursed" else [*paid, ("close", {})]


def _schedule(rng, path, start: datetime, end: datetime) -> list:
    """Give each step a moment: drawn durations, squeezed when the case
    would otherwise run past `end`, moved into office hours when that
    still fits."""
    gaps = [0.0] + [_hours(rng, *STEP_HOURS[name]) for name, _ in path[1:]]
    available = (end - start).total_seconds() / 3600
    squeeze = min(1.0, available / max(sum(gaps), 1e-9))
    moments, at = [], start
    for gap in gaps:
        # At least a second apart, so steps of one case keep their order;
        # `end` is minutes before now, so the last seconds stay in the past.
        earliest = at + timedelta(seconds=1)
        at = max(min(at + timedelta(hours=gap * squeeze), end), earliest)
        in_office = _office_hours(rng, at)
        if in_office <= end:
            at = in_office
        moments.append(at)
    return [
        (moment, name, params)
        for moment, (name, params) in zip(moments, path, strict=True)
    ]


def _office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The moment, or the next working morning when it falls outside
    09:00-18:00 on a weekday in the park's time zone."""
    local = timezone.localtime(moment)
    if local.weekday() < 5 and 9 <= local.hour < 18:
        return moment
    day = local.date() + timedelta(days=0 if local.hour < 9 else 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    morning = datetime.combine(day, time(9), tzinfo=local.tzinfo)
    return morning + timedelta(minutes=rng.uniform(0, 150))


def _hours(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


# What each planned step does, through the services a person would use.


class SkipCase(Exception):
    pass


def _refund(plan: CasePlan) -> RefundRequest:
    return RefundRequest.objects.select_related("owner").get(pk=plan.refund_id)


def _comment(demo: Demo, *choices: str) -> str:
    return demo.rng.choice(choices)


def step_create(demo: Demo, plan: CasePlan) -> None:
    account = demo.bank_accounts[plan.applicant.enterprise_id][0]
    refund = refund_create(
        applicant=plan.applicant,
        contract=plan.contract,
        reason=plan.reason,
        description=_comment(
            demo,
            "合同到期退租，申请退还履约保证金。",
            "预缴物业费多缴部分申请退还。",
            "年度结算后发现重复缴费，申请退款。",
            "产业扶持资金核算调整，申请退还差额。",
        ),
        amount=plan.amount,
        currency=plan.contract.currency,
        payee_name=account.holder_name,
        payee_bank=account.bank_name,
        payee_account=account.account_number,
    )
    plan.refund_id = refund.pk


def _demo_pdf(plan: CasePlan, kind: str) -> SimpleUploadedFile:
    # Each file differs, as real scans would: identical documents across
    # cases are what a fraud check looks for.
    body = f"%PDF-1.4\n% parkportal demo {kind} case {plan.index}\n%%EOF\n"
    return SimpleUploadedFile(f"{kind}-{plan.index}.pdf", body.encode())


def step_documents(demo: Demo, plan: CasePlan, partial: bool = False) -> None:
    kinds = list(REQUIRED_DOCUMENTS[plan.reason])
    if partial:
        kinds = kinds[:-1]
    for kind in kinds:
        document_upload(
            refund_id=plan.refund_id,
            actor=plan.applicant,
            kind=kind,
            uploaded_file=_demo_pdf(plan, kind),
        )


def step_submit(demo: Demo, plan: CasePlan) -> None:
    refund_submit(refund_id=plan.refund_id, actor=plan.applicant)


def step_assess(demo: Demo, plan: CasePlan) -> None:
    refund = _refund(plan)
    # The risk app assesses on submission once its engine is in place; the
    # demo only fills in what nobody assessed.
    if refund.risk_assessed_at is not None:
        return
    level = "high" if plan.amount >= 1_000_000 else demo.rng.choice(["low", "medium"])
    score = {"low": 10, "medium": 45, "high": 75}[level] + demo.rng.randrange(20)
    refund_record_assessment(
        refund_id=plan.refund_id, risk_level=level, risk_score=score
    )


def step_assign(demo: Demo, plan: CasePlan) -> None:
    with transaction.atomic():
        refund = lock_refund(plan.refund_id)
        # Operations assigns on submission once its queue is in place.
        if refund.owner_id is not None:
            return
        set_owner(
            refund,
            owner=plan.owner,
            actor=demo.users["manager"],
            reason="按企业分片分配",
        )


def _owner(plan: CasePlan):
    owner = _refund(plan).owner
    if owner is None:
        raise SkipCase("the case has no owner")
    return owner


def step_request_info(demo: Demo, plan: CasePlan) -> None:
    comment = _comment(
        demo,
        "请补充加盖公章的银行开户证明。",
        "发票金额与申请金额不一致，请说明原因。",
        "请上传合同补充协议的扫描件。",
    )
    refund_transition(
        refund_id=plan.refund_id,
        name="request_info",
        actor=_owner(plan),
        comment=comment,
    )


def step_respond(demo: Demo, plan: CasePlan) -> None:
    document_upload(
        refund_id=plan.refund_id,
        actor=plan.applicant,
        kind="other",
        uploaded_file=_demo_pdf(plan, "other"),
    )
    message_post(
        refund_id=plan.refund_id,
        author=plan.applicant,
        body="补充材料已上传，请查收。如有问题请随时联系。",
    )
    refund_transition(
        refund_id=plan.refund_id,
        name="respond",
        actor=plan.applicant,
        comment="已按要求补充材料。",
    )


def step_hold(demo: Demo, plan: CasePlan) -> None:
    comment = _comment(
        demo,
        "收款账户近期变更，需核实。",
        "同一合同短期内多次申请，暂缓处理。",
    )
    refund_transition(
        refund_id=plan.refund_id, name="hold", actor=demo.users["risk"], comment=comment
    )


def step_clear(demo: Demo, plan: CasePlan) -> None:
    refund_transition(
        refund_id=plan.refund_id,
        name="clear",
        actor=demo.users["risk"],
        comment="已电话核实，解除暂挂。",
    )


def step_reject_held(demo: Demo, plan: CasePlan) -> None:
    refund_reject(
        refund_id=plan.refund_id,
        actor=demo.users["risk"],
        comment="收款账户与企业登记信息不符，驳回。",
    )


def step_forward(demo: Demo, plan: CasePlan) -> None:
    refund_forward(refund_id=plan.refund_id, actor=_owner(plan))


def _approver(demo: Demo, plan: CasePlan):
    step = _refund(plan).current_step()
    if step is None:
        raise SkipCase("no approval step is waiting")
    return demo.users[APPROVER_BY_LEVEL[step.level]]


def step_approve(
    demo: Demo, plan: CasePlan, last: bool = False, reduce: bool = False
) -> None:
    amount, comment = None, "同意。"
    if reduce:
        amount = (_refund(plan).payable_amount * Decimal("0.8")).quantize(
            Decimal("0.01")
        )
        comment = "部分款项已抵扣欠缴物业费，按核定金额退还。"
    refund_approve(
        refund_id=plan.refund_id,
        actor=_approver(demo, plan),
        amount=amount,
        comment=comment,
    )
    # A risk rule may have added a level the plan did not know about; the
    # last planned signature brings the remaining levels along.
    while last and _refund(plan).state == State.PENDING_APPROVAL:
        refund_approve(
            refund_id=plan.refund_id, actor=_approver(demo, plan), comment="同意。"
        )


def step_reject(demo: Demo, plan: CasePlan) -> None:
    refund_reject(
        refund_id=plan.refund_id,
        actor=_approver(demo, plan),
        comment="该款项已在年度结算中抵扣，不予退还。",
    )


def step_send_back(demo: Demo, plan: CasePlan) -> None:
    refund_send_back(
        refund_id=plan.refund_id,
        actor=_approver(demo, plan),
        comment="请核对合同已付金额后重新提交审批。",
    )


def step_pay(demo: Demo, plan: CasePlan) -> None:
    """Schedule, or retry after a return: finance builds a batch with the
    case and the director authorises it, moving the pool's money."""
    finance_demo.pay_cases(users=demo.users, refund_ids=[plan.refund_id], settle="sent")


def _bank_statement(demo: Demo, plan: CasePlan, *, returned: bool) -> None:
    """The bank's statement books or returns the case's latest payment."""
    payment = Payment.objects.filter(refund_id=plan.refund_id).latest("id")
    entry = bankfiles.StatementEntry(
        line_key=payment.end_to_end_id,
        end_to_end_id=payment.end_to_end_id,
        amount=payment.amount,
        currency=payment.currency,
        booking_date=clock.today(),
        returned=returned,
        reason="AC01 户名与账号不符" if returned else "",
    )
    content = bankfiles.camt053(
        statement_id=f"DEMO-{payment.end_to_end_id}",
        created_at=clock.now(),
        account="DEMO",
        entries=[entry],
    )
    statement_import(
        actor=demo.users["finance"], content=content, file_format="camt053"
    )


def step_confirm_paid(demo: Demo, plan: CasePlan) -> None:
    _bank_statement(demo, plan, returned=False)


def step_mark_failed(demo: Demo, plan: CasePlan) -> None:
    _bank_statement(demo, plan, returned=True)


def step_correct_payee(demo: Demo, plan: CasePlan) -> None:
    account = demo.bank_accounts[plan.applicant.enterprise_id][1]
    refund_correct_payee(
        refund_id=plan.refund_id,
        actor=demo.users["finance"],
        payee_name=account.holder_name,
        payee_bank=account.bank_name,
        payee_account=account.account_number,
    )


def step_close(demo: Demo, plan: CasePlan) -> None:
    refund_transition(refund_id=plan.refund_id, name="close", actor=_owner(plan))


def step_withdraw(demo: Demo, plan: CasePlan) -> None:
    refund_transition(
        refund_id=plan.refund_id,
        name="withdraw",
        actor=plan.applicant,
        comment="与园区协商后改为抵扣下期费用，撤回申请。",
    )


# Payment steps go through finance's batches and bank statements, so the
# pool's ledger explains every demo payment.
CASE_STEPS = {
    "create": step_create,
    "documents": step_documents,
    "submit": step_submit,
    "assess": step_assess,
    "assign": step_assign,
    "request_info": step_request_info,
    "respond": step_respond,
    "hold": step_hold,
    "clear": step_clear,
    "reject_held": step_reject_held,
    "forward": step_forward,
    "send_back": step_send_back,
    "approve": step_approve,
    "reject": step_reject,
    "schedule": step_pay,
    "mark_failed": step_mark_failed,
    "correct_payee": step_correct_payee,
    "retry": step_pay,
    "confirm_paid": step_confirm_paid,
    "close": step_close,
    "withdraw": step_withdraw,
}


# The seeding steps, in order. Each takes the Demo and adds one area's data.
def seed_rules(demo: Demo) -> None:
    risk_demo.seed()


def seed_pool(demo: Demo) -> None:
    enterprises = list(
        Enterprise.objects.filter(users__in=demo.users.values()).distinct()
    )
    finance_demo.seed(users=demo.users, enterprises=enterprises)


def seed_operations(demo: Demo) -> None:
    """SLA targets and specialists before the cases; ratings and a
    complaint on the closed ones after (the step is safe to run twice)."""
    operations_demo.seed(users=demo.users)


def seed_audit_verification(demo: Demo) -> None:
    """The auditor has walked the hash chain once, so that the audit trail
    opens on a verification."""
    audit_chain_verify(actor=demo.users["auditor"])


SEED_STEPS = [
    seed_people,
    seed_rules,
    seed_pool,
    seed_operations,
    seed_cases,
    seed_operations,
    seed_audit_verification,
]
