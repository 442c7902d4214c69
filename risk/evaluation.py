"""Measure the shipped rules on a generated history.

A few thousand ordinary requests from established enterprises, with a few
hundred planted anomalies of every kind the catalogue looks for, are
written inside a transaction that is rolled back at the end. Every labelled
case is then screened at the moment it was submitted, through the same
engine functions as the live assessment, with the rules and thresholds in
the database. Recall is the share of planted anomalies that were held or
flagged; the false-positive rate is the share of ordinary requests that
were.
"""

import datetime
import importlib
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from parkportal.accounts.models import BankAccount, Contract, Enterprise
from parkportal.core import clock
from refunds.models import Document, RefundRequest, TimelineEntry
from risk import engine
from risk.models import InvoiceDeclaration, Outcome, ResultStatus
from risk.rules.context import CaseContext, snapshot_of

KINDS = (
    "amount_above_threshold",
    "velocity",
    "payee_shared",
    "payee_unverified",
    "above_contract_remaining",
    "likely_duplicate",
    "new_enterprise",
    "fx_exposure",
    "unusual_amount",
    "invoice_total_mismatch",
    "required_document_missing",
    "shared_document",
)
USD_RATE = Decimal("7.10")
DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")


@dataclass
class Report:
    normal: int = 0
    false_positives: int = 0
    planted: Counter = field(default_factory=Counter)
    caught: Counter = field(default_factory=Counter)
    caught_by_own_rule: Counter = field(default_factory=Counter)
    rule_hits_on_normal: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        total = sum(self.planted.values())
        return sum(self.caught.values()) / total if total else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.normal if self.normal else 0.0

    def recall_of(self, kind: str) -> float:
        planted = self.planted[kind]
        return self.caught[kind] / planted if planted else 0.0


@dataclass
class Plan:
    """One request to write: its enterprise, contract and details, and
    the label it is measured under (normal, a kind, or context)."""

    enterprise: "Firm"
    contract: Contract
    submitted_at: datetime.datetime
    amount: Decimal
    label: str
    payee: str = ""
    documents: tuple = ("contract", "bank_proof", "invoice")
    declared: Decimal | None = None
    declared_currency: str = ""
    shared_sha: str = ""
    state: str = "approved"
    refund: RefundRequest | None = None


@dataclass
class Firm:
    enterprise: Enterprise
    applicant: object
    contract: Contract
    account: str
    typical: Decimal
    currency: str
    reason: str
    plans: list = field(default_factory=list)
    victims: list = field(default_factory=list)


def measure(*, normal: int, anomalies: int, seed: int, shipped: bool = True) -> Report:
    """Generate, screen and roll everything back. With `shipped`, the
    rules and thresholds are first put back to the shipped defaults (also
    rolled back); otherwise the database's current ones are measured."""
    with transaction.atomic():
        if shipped:
            install_shipped_rules()
        generator = Generator(random.Random(seed), clock.now())
        plans = generator.build(normal=normal, anomalies=anomalies)
        report = score(plans)
        transaction.set_rollback(True)
    return report


def install_shipped_rules() -> None:
    """Make the shipped catalogue the live one: each default rule gets a
    version with its default values, enabled and not snoozed; every other
    rule is switched off; thresholds take their default values."""
    from django.apps import apps

    from risk.models import Rule, RuleVersion, Threshold, VersionStatus

    defaults = importlib.import_module(
        "risk.migrations.0002_default_rules_and_thresholds"
    )
    defaults.install(apps)
    Rule.objects.update(enabled=False)
    for code, _kind, _risk, score, parameters, _name in defaults.DEFAULT_RULES:
        rule = Rule.objects.get(code=code)
        last = rule.versions.order_by("-number").first()
        version = RuleVersion.objects.create(
            rule=rule,
            number=last.number + 1,
            parameters=parameters,
            score=score,
            status=VersionStatus.LIVE,
        )
        Rule.objects.filter(pk=rule.pk).update(
            live_version=version, enabled=True, snoozed_until=None
        )
    for outcome, minimum in defaults.DEFAULT_THRESHOLDS:
        Threshold.objects.update_or_create(
            outcome=outcome, defaults={"min_score": minimum, "active": True}
        )


def score(plans: list[Plan]) -> Report:
    report = Report()
    thresholds = engine.threshold_map()
    # The catalogue does not change while the history is screened.
    versions = engine.live_versions(clock.now())
    for plan in sorted(plans, key=lambda p: p.submitted_at):
        if plan.label == "context":
            continue
        as_of = plan.submitted_at + datetime.timedelta(seconds=1)
        context = CaseContext(plan.refund, as_of, snapshot_of(plan.refund))
        outcomes = engine.evaluate(context, versions)
        flagged = engine.decide(outcomes, thresholds).outcome != Outcome.PASS
        hits = {
            o.version.rule.rule_type for o in outcomes if o.status == ResultStatus.HIT
        }
        if plan.label == "normal":
            report.normal += 1
            report.false_positives += int(flagged)
            report.rule_hits_on_normal.update(hits)
            continue
        report.planted[plan.label] += 1
        report.caught[plan.label] += int(flagged)
        report.caught_by_own_rule[plan.label] += int(plan.label in hits)
    return report


class Generator:
    def __init__(self, rng: random.Random, end: datetime.datetime):
        self.rng = rng
        self.end = end
        self.start = end - 365 * DAY
        self.counter = 0
        self.firms: list[Firm] = []

    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    # Enterprises and their standing data.

    def firm(self, *, registered_days_ago: int, currency="CNY", verified_days_ago=700):
        number = self.next_number()
        enterprise = Enterprise.objects.create(
            name=f"Evaluation enterprise {number}",
            credit_code=f"EV{number:016d}",
            registered_on=(self.end - registered_days_ago * DAY).date(),
        )
        applicant = get_user_model().objects.create(
            username=f"evaluation-{number}", enterprise=enterprise
        )
        contract = Contract.objects.create(
            enterprise=enterprise,
            number=f"EV-{number}",
            paid_amount=Decimal("0"),
            currency=currency,
        )
        account = f"62229{number:011d}"
        moment = self.end - verified_days_ago * DAY
        BankAccount.objects.create(
            enterprise=enterprise,
            holder_name=enterprise.name,
            bank_name="Evaluation Bank",
            account_number=account,
            created_at=moment,
            verified_at=moment,
        )
        low, high = (5_000, 25_000) if currency == "USD" else (5_000, 400_000)
        typical = Decimal(math.exp(self.rng.uniform(math.log(low), math.log(high))))
        reason = self.rng.choice(["deposit", "prepaid_fee", "overpayment", "other"])
        firm = Firm(enterprise, applicant, contract, account, typical, currency, reason)
        self.firms.append(firm)
        return firm

    def amount_near(self, typical: Decimal, spread=0.2) -> Decimal:
        factor = Decimal(math.exp(self.rng.gauss(0, spread)))
        return (typical * factor).quantize(CENT)

    def plan(self, firm: Firm, at, amount, label, **extra) -> Plan:
        plan = Plan(firm, extra.pop("contract", firm.contract), at, amount, label)
        plan.payee = firm.account
        for key, value in extra.items():
            setattr(plan, key, value)
        if plan.declared is None and self.rng.random() < 0.5:
            plan.declared = amount
        firm.plans.append(plan)
        return plan

    # The history.

    def build(self, *, normal: int, anomalies: int) -> list[Plan]:
        slots = []
        while len(slots) < normal:
            # A quarter of the enterprises came to the park this past year.
            index = len(self.firms)
            young = self.rng.random() < 0.25
            age = self.rng.randint(130, 499) if young else self.rng.randint(500, 3000)
            currency = "USD" if index % 10 == 9 else "CNY"
            firm = self.firm(
                registered_days_ago=age, currency=currency, verified_days_ago=age
            )
            months = (self.end - self.first_request(firm)) // (30 * DAY)
            slots.extend((firm, month) for month in range(min(months, 12)))
        ordinary_firms = list(self.firms)
        made = 0
        for firm, month in slots:
            if made >= normal:
                break
            made += self.ordinary(firm, month, room=normal - made)
        for index in range(anomalies):
            kind = KINDS[index % len(KINDS)]
            getattr(self, f"plant_{kind}")(self.anomaly_firm(kind, ordinary_firms))
        self.write()
        return [plan for firm in self.firms for plan in firm.plans]

    def first_request(self, firm: Firm) -> datetime.datetime:
        registered = datetime.datetime.combine(
            firm.enterprise.registered_on, datetime.time(), tzinfo=datetime.UTC
        )
        # Enterprises settle in before they ask for money back.
        return max(self.start, registered + 95 * DAY)

    def ordinary(self, firm: Firm, month: int, room: int) -> int:
        """About one request a month, with the noise of real life: a
        month with a refund two or three times the usual, now and then a
        second request in the same month, an invoice total typed in with
        a rounding difference."""
        at = self.first_request(firm) + (month * 30 + self.rng.uniform(0, 18)) * DAY
        count = min(room, 2 if self.rng.random() < 0.08 else 1)
        for _request in range(count):
            amount = self.amount_near(firm.typical, 0.3)
            if self.rng.random() < 0.03:
                amount = (amount * Decimal(self.rng.uniform(2, 3))).quantize(CENT)
            plan = self.plan(firm, at, amount, "normal")
            if plan.declared is not None and self.rng.random() < 0.2:
                plan.declared += Decimal(self.rng.choice(["-0.50", "0.30", "0.01"]))
            at += self.rng.uniform(1, 10) * DAY
        return count

    def late(self) -> datetime.datetime:
        """A moment in the last four months, when history exists."""
        return self.end - self.rng.uniform(1, 120) * DAY

    def anomaly_firm(self, kind: str, ordinary_firms: list[Firm]) -> Firm:
        """An enterprise of its own for each planted anomaly, with eight
        months of unremarkable history before it (measured as neither
        ordinary nor planted), so that one planting does not spill into
        the figures of ordinary requests."""
        if kind == "new_enterprise":
            return self.rng.choice(ordinary_firms)
        currency = "USD" if kind == "fx_exposure" else "CNY"
        firm = self.firm(
            registered_days_ago=self.rng.randint(500, 3000), currency=currency
        )
        firm.victims = ordinary_firms
        first = self.end - 400 * DAY
        for month in range(8):
            at = first + (month * 30 + self.rng.uniform(0, 5)) * DAY
            self.plan(firm, at, self.amount_near(firm.typical), "context")
        return firm

    # One planting per kind: each makes the case its rule looks for.

    def plant_amount_above_threshold(self, firm):
        amount = Decimal(self.rng.randint(2_100_000, 6_000_000)) / self.rate(firm)
        self.plan(firm, self.late(), amount.quantize(CENT), "amount_above_threshold")

    def plant_velocity(self, firm):
        first = self.late()
        for step in range(4):
            at = first + step * self.rng.uniform(0.5, 2) * DAY
            self.plan(firm, at, self.amount_near(firm.typical), "context")
        at = first + self.rng.uniform(8, 12) * DAY
        self.plan(firm, at, self.amount_near(firm.typical), "velocity")

    def plant_payee_shared(self, firm):
        other = self.rng.choice(firm.victims)
        plan = self.plan(
            firm, self.late(), self.amount_near(firm.typical), "payee_shared"
        )
        plan.payee = other.account

    def plant_payee_unverified(self, firm):
        plan = self.plan(
            firm, self.late(), self.amount_near(firm.typical), "payee_unverified"
        )
        plan.payee = f"62228{self.next_number():011d}"

    def plant_above_contract_remaining(self, firm):
        small = Contract.objects.create(
            enterprise=firm.enterprise,
            number=f"EV-S-{self.next_number()}",
            paid_amount=(firm.typical * Decimal("1.5")).quantize(CENT),
            currency=firm.currency,
        )
        at = self.late()
        self.plan(
            firm, at - 60 * DAY, firm.typical.quantize(CENT), "context", contract=small
        )
        self.plan(
            firm,
            at,
            self.amount_near(firm.typical, 0.1),
            "above_contract_remaining",
            contract=small,
        )

    def plant_likely_duplicate(self, firm):
        at = self.late()
        amount = self.amount_near(firm.typical)
        self.plan(firm, at - self.rng.uniform(3, 40) * DAY, amount, "context")
        self.plan(firm, at, amount, "likely_duplicate")

    def plant_new_enterprise(self, firm):
        days = self.rng.randint(10, 80)
        young = self.firm(registered_days_ago=days, verified_days_ago=days)
        self.plan(
            young,
            self.end - self.rng.uniform(0, days - 5) * DAY,
            self.amount_near(young.typical),
            "new_enterprise",
        )

    def plant_fx_exposure(self, firm):
        amount = Decimal(self.rng.randint(45_000, 250_000))
        self.plan(firm, self.late(), amount, "fx_exposure")

    def plant_unusual_amount(self, firm):
        factor = Decimal(self.rng.uniform(6, 15))
        amount = min(firm.typical * factor, Decimal("1900000") / self.rate(firm))
        self.plan(firm, self.late(), amount.quantize(CENT), "unusual_amount")

    def plant_invoice_total_mismatch(self, firm):
        amount = self.amount_near(firm.typical)
        share = Decimal(self.rng.uniform(0.5, 0.9))
        self.plan(
            firm,
            self.late(),
            amount,
            "invoice_total_mismatch",
            declared=(amount * share).quantize(CENT),
        )

    def plant_required_document_missing(self, firm):
        self.plan(
            firm,
            self.late(),
            self.amount_near(firm.typical),
            "required_document_missing",
            documents=("contract", "invoice"),
        )

    def plant_shared_document(self, firm):
        plan = self.plan(
            firm, self.late(), self.amount_near(firm.typical), "shared_document"
        )
        plan.shared_sha = "borrowed"

    def rate(self, firm: Firm) -> Decimal:
        return USD_RATE if firm.currency == "USD" else Decimal("1")

    # Writing it all.

    def write(self) -> None:
        self.fund_contracts()
        plans = [plan for firm in self.firms for plan in firm.plans]
        plans.sort(key=lambda p: p.submitted_at)
        for plan in plans:
            plan.refund = self.refund(plan)
        RefundRequest.objects.bulk_create([plan.refund for plan in plans])
        TimelineEntry.objects.bulk_create(
            TimelineEntry(
                refund=plan.refund,
                kind="submit",
                state_before="draft",
                state_after=plan.state,
                created_at=plan.submitted_at,
            )
            for plan in plans
        )
        self.attach_documents(plans)

    def fund_contracts(self) -> None:
        asked = defaultdict(Decimal)
        for firm in self.firms:
            for plan in firm.plans:
                asked[plan.contract.pk] += plan.amount
        for firm in self.firms:
            # Ordinary contracts paid well above everything asked of them;
            # the small contracts of the contract anomaly keep their sum.
            firm.contract.paid_amount = asked[firm.contract.pk] * 2 + Decimal("1000000")
            firm.contract.save(update_fields=["paid_amount"])

    def refund(self, plan: Plan) -> RefundRequest:
        firm = plan.enterprise
        return RefundRequest(
            reference=f"EV-{self.next_number():08d}",
            enterprise=firm.enterprise,
            applicant=firm.applicant,
            contract=plan.contract,
            state=plan.state,
            reason=firm.reason,
            amount=plan.amount,
            currency=firm.currency,
            amount_cny=(plan.amount * self.rate(firm)).quantize(CENT),
            payee_name=firm.enterprise.name,
            payee_bank="Evaluation Bank",
            payee_account=plan.payee,
            submitted_at=plan.submitted_at,
            risk_assessed_at=plan.submitted_at,
            created_at=plan.submitted_at - DAY,
        )

    def attach_documents(self, plans: list[Plan]) -> None:
        documents = []
        for plan in plans:
            for kind in plan.documents:
                documents.append(
                    Document(
                        refund=plan.refund,
                        kind=kind,
                        file=f"evaluation/{plan.refund.reference}/{kind}",
                        original_name=f"{kind}.pdf",
                        content_type="application/pdf",
                        size=1000,
                        sha256=f"{self.next_number():064x}",
                        uploaded_by=plan.enterprise.applicant,
                        created_at=plan.submitted_at - DAY,
                    )
                )
        Document.objects.bulk_create(documents)
        by_refund = defaultdict(list)
        for document in documents:
            by_refund[document.refund_id].append(document)
        self.borrow_files(plans, by_refund)
        InvoiceDeclaration.objects.bulk_create(
            InvoiceDeclaration(
                document=document,
                declared_total=plan.declared,
                currency=plan.enterprise.currency,
                entered_by=plan.enterprise.applicant,
                created_at=plan.submitted_at - DAY,
            )
            for plan in plans
            if plan.declared is not None
            for document in by_refund[plan.refund.pk]
            if document.kind == "invoice"
        )

    def borrow_files(self, plans: list[Plan], by_refund) -> None:
        """Give each shared-document anomaly a copy of a file that another
        enterprise attached earlier."""
        for plan in plans:
            if plan.shared_sha != "borrowed":
                continue
            earlier = [
                p
                for p in plans
                if p.submitted_at < plan.submitted_at - DAY
                and p.enterprise is not plan.enterprise
            ]
            source = by_refund[self.rng.choice(earlier).refund.pk][0]
            copy = by_refund[plan.refund.pk][0]
            Document.objects.filter(pk=copy.pk).update(sha256=source.sha256)
