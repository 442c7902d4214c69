"""Demo data for finance: the reserve pool with a year of top-ups and a
rate table, created before any demo case is approved."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from finance import bankfiles
from finance.models import FxRate, LedgerEntry, Payment
from finance.services.batches import batch_authorise, batch_build
from finance.services.pool import pool_get
from finance.services.rates import fx_rate_set
from finance.services.reconciliation import statement_import
from finance.services.top_ups import top_up_confirm, top_up_propose
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock

# Rough CNY values of one unit, swung a little month by month.
BASE_RATES = {
    "USD": Decimal("7.1800"),
    "EUR": Decimal("7.8200"),
    "HKD": Decimal("0.9200"),
    "JPY": Decimal("0.048500"),
}
SWING = (0, 3, -2, 5, 1, -4, 2, 6, -1, -3, 4, 0, 2, -2)
TOP_UPS = (
    "8000000.00",
    "2000000.00",
    "3000000.00",
    "1500000.00",
    "3800000.00",
    "2300000.00",
    "1800000.00",
    "2800000.00",
    "2500000.00",
    "1600000.00",
    "3300000.00",
    "1900000.00",
)


def _person(users: dict, key: str, role: str):
    if key in users:
        return users[key]
    return next(user for user in users.values() if has_role(user, role))


def _at(day) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())


def seed_rates(*, officer) -> None:
    today = clock.today()
    for months_ago, swing in enumerate(SWING):
        day = (today - timedelta(days=30 * months_ago)).replace(day=1)
        if months_ago == 0:
            day = today
        for currency, base in BASE_RATES.items():
            rate = base * (1 + Decimal(swing) / Decimal(1000))
            if not FxRate.objects.filter(currency=currency, valid_on=day).exists():
                fx_rate_set(
                    actor=officer,
                    currency=currency,
                    valid_on=day,
                    rate=rate,
                    source="demo",
                )


def seed_top_ups(*, officer, director) -> None:
    today = clock.today()
    for months_ago, amount in zip(range(12, 0, -1), TOP_UPS, strict=True):
        with clock.travel(_at(today - timedelta(days=30 * months_ago))):
            top_up = top_up_propose(
                actor=officer,
                amount=Decimal(amount),
                bank_reference=f"DEMO-TOPUP-{months_ago:02d}",
            )
            top_up_confirm(top_up_id=top_up.pk, actor=director)
    top_up_propose(
        actor=officer,
        amount=Decimal("2000000.00"),
        expected_on=today + timedelta(weeks=3),
        note="Quarterly budget transfer",
    )


def seed(*, users: dict, enterprises: list) -> None:
    """Idempotent: a pool that already has a ledger is left as it is."""
    officer = _person(users, "finance", Role.FINANCE_OFFICER)
    director = _person(users, "director", Role.FINANCE_DIRECTOR)
    pool_get()
    seed_rates(officer=officer)
    if not LedgerEntry.objects.exists():
        seed_top_ups(officer=officer, director=director)


def pay_cases(
    *, users: dict, refund_ids: list[int], settle: str = "paid", reason: str = ""
) -> list[Payment]:
    """Take approved demo cases (with their pool money held) through a
    batch built by finance and authorised by the director, then, unless
    `settle` is "sent", through a bank statement that books ("paid") or
    returns ("failed") each payment. Use this instead of the bare
    schedule/confirm_paid transitions so the ledger explains the money."""
    officer = _person(users, "finance", Role.FINANCE_OFFICER)
    director = _person(users, "director", Role.FINANCE_DIRECTOR)
    batch = batch_build(actor=officer, refund_ids=refund_ids)
    batch = batch_authorise(batch_id=batch.pk, actor=director)
    payments = list(batch.payments.order_by("id"))
    if settle == "sent":
        return payments
    returned = settle == "failed"
    entries = [
        bankfiles.StatementEntry(
            line_key=f"{batch.reference}-{payment.end_to_end_id}",
            end_to_end_id=payment.end_to_end_id,
            amount=payment.amount,
            currency=payment.currency,
            booking_date=clock.today(),
            returned=returned,
            reason=(reason or "AC04 Account closed") if returned else "",
        )
        for payment in payments
    ]
    content = bankfiles.camt053(
        statement_id=f"DEMO-{batch.reference}",
        created_at=clock.now(),
        account="DEMO",
        entries=entries,
    )
    statement_import(actor=officer, content=content, file_format="camt053")
    return payments
