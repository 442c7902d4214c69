"""The lifecycle's view of exchange rates.

Finance owns the rate table; this module only knows the dotted path of the
function that answers, so that refunds never imports a floor above it.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.module_loading import import_string

CENT = Decimal("0.01")


def rate_to_cny(currency: str, on: date | None = None) -> Decimal:
    if currency == settings.BASE_CURRENCY:
        return Decimal("1")
    return import_string(settings.FX_RATE_PROVIDER)(currency, on)


def to_cny(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
