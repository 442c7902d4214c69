"""Every main page, on a desk and on a phone, in Chinese and in English:
no serious accessibility violation, nothing wider than the screen, and no
English sentence of the catalogue left on a Chinese page."""

import pytest
from django.utils import translation

from tests.e2e.conftest import DESK, PHONE
from tests.e2e.demo import PASSWORD, build_demo, desk_pages, main_pages

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def english_sentences() -> list[str]:
    """The catalogue's English texts long enough to be unmistakable."""
    with translation.override("zh-hans"):
        catalog = translation.trans_real.translation("zh-hans")._catalog
    return [
        msgid
        for msgid in catalog.keys()  # noqa: SIM118 (a TranslationCatalog, not a dict)
        if isinstance(msgid, str) and msgid.count(" ") >= 2 and "%" not in msgid
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_every_main_page_is_accessible_and_fits(visitors, language, viewport):
    demo = build_demo()
    signed_in = {}
    leftovers = english_sentences() if language == "zh-hans" else []

    for name, username, path in [*main_pages(demo), *desk_pages(demo)]:
        if username not in signed_in:
            visitor = visitors(language, viewport)
            if username:
                visitor.sign_in(username, PASSWORD)
            else:
                visitor.open("/accounts/login/")
                switch = visitor.page.locator("#language-select")
                if switch.input_value() != language:
                    switch.select_option(language)
                    visitor.click_and_wait(
                        visitor.page.locator(".language-switch button")
                    )
            signed_in[username] = visitor
        visitor = signed_in[username]
        visitor.open(path)

        visitor.assert_accessible()
        width = visitor.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is {width}px wide"
        text = visitor.page.locator("body").inner_text()
        english = [sentence for sentence in leftovers if sentence in text]
        assert not english, f"{name} shows English on a Chinese page: {english}"
