"""The exchange-rate table, entered by hand or imported from a CSV file
(currency,valid_on,rate) — no internet needed."""

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from finance.models import FxRate
from finance.services import require_role
from parkportal.accounts.roles import Role
from parkportal.core.errors import InvalidInput
from refunds.services.audit import audit_record

RATE_PLACES = Decimal("0.000001")


def _clean(currency: str, valid_on, rate) -> tuple[str, date, Decimal]:
    currency = str(currency).strip().upper()
    if (
        currency not in settings.SUPPORTED_CURRENCIES
        or currency == settings.BASE_CURRENCY
    ):
        raise InvalidInput(
            _("%(currency)s is not a supported foreign currency.")
            % {"currency": currency},
            code="invalid_currency",
        )
    try:
        day = (
            valid_on
            if isinstance(valid_on, date)
            else date.fromisoformat(str(valid_on).strip())
        )
        value = Decimal(str(rate).strip())
    except (ValueError, InvalidOperation):
        raise InvalidInput(
            _("A date or a rate is not valid."), code="invalid_rate"
        ) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e8"):
        raise InvalidInput(_("A rate must be a positive number."), code="invalid_rate")
    return currency, day, value.quantize(RATE_PLACES)


def _store(*, actor, currency, day, value, source) -> FxRate:
    existing = (
        FxRate.objects.select_for_update()
        .filter(currency=currency, valid_on=day)
        .first()
    )
    before = {"rate": str(existing.rate)} if existing else {}
    if existing:
        existing.rate, existing.source, existing.entered_by = value, source, actor
        existing.save()
        rate = existing
    else:
        rate = FxRate.objects.create(
            currency=currency, valid_on=day, rate=value, source=source, entered_by=actor
        )
    audit_record(
        actor=actor,
        action="finance.fx_rate.set",
        obj=rate,
        before=before,
        after={"currency": currency, "valid_on": day.isoformat(), "rate": str(value)},
    )
    return rate


def fx_rate_set(
    *, actor, currency: str, valid_on, rate, source: str = "manual"
) -> FxRate:
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    currency, day, value = _clean(currency, valid_on, rate)
    with transaction.atomic():
        return _store(
            actor=actor, currency=currency, day=day, value=value, source=source
        )


def fx_rates_import(*, actor, content: bytes) -> int:
    """Import every row of a CSV, all or nothing. Answers how many rows."""
    require_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
    try:
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The file is not UTF-8 text."), code="invalid_file"
        ) from None
    if not {"currency", "valid_on", "rate"} <= set(reader.fieldnames or ()):
        raise InvalidInput(
            _("The file needs the columns currency, valid_on and rate."),
            code="invalid_file",
        )
    rows = [_clean(row["currency"], row["valid_on"], row["rate"]) for row in reader]
    with transaction.atomic():
        for currency, day, value in rows:
            _store(actor=actor, currency=currency, day=day, value=value, source="csv")
    return len(rows)
