import re
from pathlib import Path

import pytest
from django.utils import translation

from finance.fx import rate_to_cny
from parkportal.core.errors import InvalidInput

CATALOGUE = (
    Path(__file__).resolve().parents[2] / "finance/locale/zh_Hans/LC_MESSAGES/django.po"
)


def test_every_finance_text_has_a_chinese_translation():
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text, re.M)

    untranslated = [
        "".join(re.findall(r'"(.*)"', msgid))
        for msgid, msgstr in entries
        if "".join(re.findall(r'"(.*)"', msgid))
        and not "".join(re.findall(r'"(.*)"', msgstr))
    ]

    assert len(entries) > 100
    assert untranslated == []


@pytest.mark.django_db
def test_a_missing_rate_is_explained_in_chinese():
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        rate_to_cny("USD")

    with translation.override("zh-hans"):
        assert "汇率" in str(refused.value.message)
