"""How many decimal places an amount may carry in each currency."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from parkportal.core.errors import InvalidInput

# ISO 4217 minor units that differ from the usual two. A bank refuses a
# payment of 1234.56 yen: the yen has no subunit.
MINOR_UNITS = {"JPY": 0, "KRW": 0}


def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as a bank file writes it: the currency's places, no
    thousands separator."""
    return f"{amount:.{minor_units(currency)}f}"


def check_minor_units(amount: Decimal, currency: str) -> None:
    places = minor_units(currency)
    if amount == amount.quantize(Decimal(1).scaleb(-places)):
        return
    if places == 0:
        message = _("Amounts in %(currency)s are whole numbers.")
    else:
        message = _("Amounts in %(currency)s have at most %(places)d decimal places.")
    raise InvalidInput(
        message % {"currency": currency, "places": places}, code="invalid_amount"
    )
