import re
from pathlib import Path

from django.db import OperationalError
from django.utils import translation

from parkportal.core.api import exception_handler
from parkportal.core.models import OutboxStatus

CATALOGUE = (
    Path(__file__).parents[2] / "parkportal/core/locale/zh_Hans/LC_MESSAGES/django.po"
)


def _entries():
    text = CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        found = re.search(
            r'msgid "(.*)"\n(?:msgid_plural ".*"\n)?msgstr(?:\[0\])? "(.*)"', block
        )
        if found:
            yield found.groups()


def test_every_core_string_has_a_chinese_translation():
    entries = list(_entries())

    assert len(entries) > 50
    assert [msgid for msgid, msgstr in entries if not msgstr] == []


def test_every_translation_keeps_the_placeholders():
    for msgid, msgstr in _entries():
        placeholders = sorted(re.findall(r"%\(\w+\)[sd]", msgid))
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgstr)) == placeholders, msgid


def test_dead_letter_status_reads_in_chinese():
    with translation.override("zh-hans"):
        assert str(OutboxStatus.DEAD.label) == "死信"


def test_conflict_retry_answer_is_in_the_callers_language():
    class Deadlock(Exception):
        pgcode = "40P01"

    error = OperationalError("deadlock detected")
    error.__cause__ = Deadlock()

    with translation.override("zh-hans"):
        response = exception_handler(error, {})

    assert response.status_code == 409
    assert response.data["message"] == "系统正在处理相同的记录，请重试。"
