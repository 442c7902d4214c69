from decimal import Decimal

from django.utils import translation

from parkportal.templatetags.portal import money


def test_money_reads_with_the_currency_first_in_english():
    with translation.override("en"):
        assert money(Decimal("5000000"), "CNY") == "CNY 5,000,000.00"


def test_money_reads_with_the_currency_word_last_in_chinese():
    with translation.override("zh-hans"):
        assert money(Decimal("1234.5"), "USD") == "1,234.50 美元"


def test_money_leaves_an_empty_amount_empty():
    assert money(None) == ""
