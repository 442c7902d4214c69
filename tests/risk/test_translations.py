import re
from pathlib import Path

import pytest

from risk.models import render_message
from risk.rules.amounts import AmountAboveThreshold

CATALOGUE = Path(__file__).parents[2] / "risk/locale/zh_Hans/LC_MESSAGES/django.po"


def _entries():
    text = CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        found = re.search(r'msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', block + "\n")
        if found:
            yield tuple("".join(re.findall(r'"(.*)"', part)) for part in found.groups())


def test_every_risk_string_has_a_chinese_translation():
    entries = list(_entries())

    assert len(entries) > 150
    assert [msgid for msgid, msgstr in entries if not msgstr] == []


def test_every_translation_keeps_the_placeholders():
    for msgid, msgstr in _entries():
        placeholders = sorted(re.findall(r"%\(\w+\)s", msgid))
        assert sorted(re.findall(r"%\(\w+\)s", msgstr)) == placeholders, msgid


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "The amount is 2,500,000.00 CNY, above the threshold of 2,000,000.00 CNY.",
        ),
        ("zh-hans", "金额为 2,500,000.00 元人民币，超过阈值 2,000,000.00 元。"),
    ],
)
def test_a_reason_is_rendered_in_the_readers_language(language, expected):
    message = "The amount is %(amount)s CNY, above the threshold of %(limit)s CNY."
    params = {"amount": "2,500,000.00", "limit": "2,000,000.00"}

    assert AmountAboveThreshold.name == "amount_above_threshold"
    assert render_message(message, params, language) == expected
