"""The Simplified Chinese catalogue is complete and its compiled form is
the one that ships."""

import gettext
import os
import re
import shutil
import subprocess
import sys
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


def _msgids(path: Path, *, translated_only: bool) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = set()
    for match in ENTRY.finditer(text):
        msgid = _unquote(match["msgid"])
        translation = _unquote(re.sub(r"msgstr(\[\d\])? ", "", match["msgstr"]))
        if msgid and (translation or not translated_only):
            found.add(msgid)
    return found


def _zh_catalogues(root: Path) -> list[Path]:
    return [
        path
        for path in root.rglob("locale/zh_Hans/LC_MESSAGES/django.po")
        if ".venv" not in path.parts
    ]


def test_every_string_the_code_marks_has_a_chinese_translation(tmp_path):
    """makemessages, run on a copy of the code, finds no message that no
    catalogue translates: a string marked for translation and forgotten in
    the catalogues would show in English on a Chinese page."""
    root = Path(settings.BASE_DIR)
    copy = tmp_path / "code"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "var", "bench", "tests", "*.mo"),
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans"],
        cwd=copy,
        env={
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "parkportal.settings",
        },
        check=True,
        capture_output=True,
    )
    marked = set().union(
        *(_msgids(path, translated_only=False) for path in _zh_catalogues(copy))
    )
    translated = set().union(
        *(_msgids(path, translated_only=True) for path in _zh_catalogues(root))
    )

    missing = sorted(marked - translated)

    assert missing == [], missing
