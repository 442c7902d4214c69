import datetime
from decimal import Decimal

import pytest

from finance.fx import rate_to_cny
from finance.models import FxRate
from finance.services.rates import fx_rate_set, fx_rates_import
from parkportal.core.errors import InvalidInput
from refunds import fx

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 1)


def test_the_latest_rate_on_or_before_the_day_answers(fiona):
    fx_rate_set(actor=fiona, currency="USD", valid_on=DAY, rate="7.10")
    fx_rate_set(
        actor=fiona,
        currency="USD",
        valid_on=DAY + datetime.timedelta(days=10),
        rate="7.30",
    )

    assert rate_to_cny("USD", DAY + datetime.timedelta(days=5)) == Decimal("7.100000")
    assert rate_to_cny("USD", DAY + datetime.timedelta(days=10)) == Decimal("7.300000")


def test_a_missing_rate_is_a_clear_error(db):
    with pytest.raises(InvalidInput) as refused:
        rate_to_cny("EUR", DAY)

    assert refused.value.code == "fx_rate_missing"
    assert "EUR" in str(refused.value.message)


def test_the_lifecycle_reaches_the_rate_table_through_its_setting(fiona):
    fx_rate_set(actor=fiona, currency="HKD", valid_on=DAY, rate="0.92")

    assert fx.rate_to_cny("HKD", DAY) == Decimal("0.920000")
    assert fx.rate_to_cny("CNY", DAY) == Decimal("1")


def test_rates_are_imported_from_csv_all_or_nothing(fiona):
    good = b"currency,valid_on,rate\nUSD,2026-10-01,7.12\nJPY,2026-10-01,0.0487\n"
    bad = b"currency,valid_on,rate\nEUR,2026-10-01,7.8\nXYZ,2026-10-01,1\n"

    assert fx_rates_import(actor=fiona, content=good) == 2
    with pytest.raises(InvalidInput):
        fx_rates_import(actor=fiona, content=bad)

    assert set(FxRate.objects.values_list("currency", flat=True)) == {"USD", "JPY"}


def test_entering_a_rate_again_for_the_same_day_corrects_it(fiona):
    fx_rate_set(actor=fiona, currency="USD", valid_on=DAY, rate="7.10")
    fx_rate_set(actor=fiona, currency="USD", valid_on=DAY, rate="7.11")

    assert FxRate.objects.get().rate == Decimal("7.110000")


def test_submitting_a_foreign_refund_without_a_rate_is_refused(alice, acme, olivia):
    from tests.conftest import CaseBuilder
    from tests.factories import ContractFactory

    builder = CaseBuilder(
        alice, ContractFactory(enterprise=acme, currency="EUR"), olivia
    )

    with pytest.raises(InvalidInput) as refused:
        builder.under_review(amount="100.00")

    assert refused.value.code == "fx_rate_missing"


def test_a_yen_refund_with_decimals_is_refused(alice, acme, olivia):
    from tests.conftest import CaseBuilder
    from tests.factories import ContractFactory

    builder = CaseBuilder(
        alice, ContractFactory(enterprise=acme, currency="JPY"), olivia
    )

    with pytest.raises(InvalidInput) as refused:
        builder.draft(amount="125000.50")

    assert refused.value.code == "invalid_amount"
    assert str(refused.value.message) == "Amounts in JPY are whole numbers."
