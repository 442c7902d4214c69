"""The rate table's answer to "what is one unit of this currency in CNY"."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from parkportal.core import clock
from parkportal.core.errors import InvalidInput


def rate_to_cny(currency: str, on: date | None = None) -> Decimal:
    """The latest rate valid on `on` (today when None)."""
    from finance.models import FxRate

    if currency == settings.BASE_CURRENCY:
        return Decimal("1")
    day = on or clock.today()
    rate = (
        FxRate.objects.filter(currency=currency, valid_on__lte=day)
        .order_by("-valid_on")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise InvalidInput(
            _(
                "No exchange rate for %(currency)s on %(day)s is known; finance "
                "must enter one first."
            )
            % {"currency": currency, "day": day.isoformat()},
            code="fx_rate_missing",
        )
    return rate
