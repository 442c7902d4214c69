"""A fixed rate table for tests: finance owns the real one."""

from decimal import Decimal

RATES = {"USD": Decimal("7.100000"), "EUR": Decimal("7.700000")}


def rate_to_cny(currency, on=None):
    return RATES[currency]
