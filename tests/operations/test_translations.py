import re
from pathlib import Path

from django.utils import translation

from operations.texts import TEXTS, render

CATALOGUE = (
    Path(__file__).resolve().parents[2]
    / "operations/locale/zh_Hans/LC_MESSAGES/django.po"
)


def test_every_operations_string_has_a_chinese_translation():
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', text)

    untranslated = [
        msgid
        for msgid, msgstr in entries
        if msgid.strip() != '""' and msgstr.strip() == '""'
    ]

    assert entries
    assert untranslated == []


def test_every_notification_reads_in_chinese_and_in_english():
    params = {"reference": "RF-2025-000001", "state": "under_review", "stage": "review"}

    for kind in TEXTS:
        with translation.override("zh-hans"):
            chinese = render(kind, params)
        with translation.override("en"):
            english = render(kind, params)
        assert chinese != english, kind
        assert "RF-2025-000001" in chinese[0] + chinese[1] or kind == "digest", kind
