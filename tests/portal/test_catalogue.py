"""The Simplified Chinese catalogue is complete and its compiled form is
the one that ships."""

import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
ENTRY = re.compile(
    r'^(?P<flags>(?:#.*\n)*)msgid (?P<msgid>(?:".*"\n)+)'
    r'(?:msgid_plural (?:".*"\n)+)?(?P<msgstr>(?:msgstr(?:\[\d\])? (?:".*"\n?)+)+)',
    re.MULTILINE,
)


def _unquote(block: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', block)
    return "".join(parts).encode().decode("unicode_escape").encode("latin-1").decode()


def _entries():
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    for match in ENTRY.finditer(text):
        msgid = _unquote(match["msgid"])
        if msgid:
            yield msgid, match["flags"], match["msgstr"]


def test_every_message_has_a_chinese_translation():
    untranslated = [
        msgid
        for msgid, flags, msgstr in _entries()
        if "fuzzy" in flags or not _unquote(re.sub(r"msgstr(\[\d\])? ", "", msgstr))
    ]

    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    singular = {
        msgid: _unquote(msgstr.removeprefix("msgstr "))
        for msgid, _, msgstr in _entries()
        if "[0]" not in msgstr
    }

    stale = [
        msgid
        for msgid, translated in singular.items()
        if catalogue.gettext(msgid) != translated
    ]

    assert len(singular) > 400
    assert stale == []
