"""Every main page, on a desk and on a phone, in Chinese and in English:
no serious accessibility violation, nothing wider than the screen, and no
English sentence of the catalogue left on a Chinese page."""

from decimal import Decimal

import pytest
from django.utils import translation

from finance import demo as finance_demo
from finance.services.batches import batch_build
from finance.services.top_ups import top_up_propose
from risk import demo as risk_demo
from risk.models import Rule
from tests.e2e.conftest import DESK, PHONE
from tests.e2e.demo import PASSWORD, build_demo, main_pages


def desk_pages(demo) -> list[tuple[str, str, str]]:
    """The finance and risk desks, and the matrix as the auditor reads it:
    a funded pool serves the approved demo case, which goes into a batch
    waiting for the director, and a top-up waits for confirmation."""
    finance_demo.seed(users=demo.users, enterprises=[])
    batch = batch_build(
        actor=demo.users["finance"], refund_ids=[demo.cases["approved"].pk]
    )
    top_up_propose(actor=demo.users["finance"], amount=Decimal("500000.00"), note="Q3")
    # A transactional test empties the tables the data migration filled:
    # put the shipped rules back before opening one.
    risk_demo.seed()
    rule = Rule.objects.get(code="velocity")
    return [
        ("finance-desk", "finance", "/finance/"),
        ("finance-ledger", "finance", "/finance/ledger/"),
        ("finance-top-ups", "finance", "/finance/top-ups/"),
        ("finance-batches", "finance", "/finance/batches/"),
        ("finance-batch", "director", f"/finance/batches/{batch.pk}/"),
        ("finance-statements", "finance", "/finance/statements/"),
        ("finance-reconciliation", "finance", "/finance/reconciliation/"),
        ("finance-rates", "finance", "/finance/rates/"),
        ("finance-forecast", "director", "/finance/forecast/"),
        ("finance-reports", "director", "/finance/reports/"),
        ("risk-holds", "risk", "/risk/"),
        ("risk-rules", "risk", "/risk/rules/"),
        ("risk-rule", "risk", f"/risk/rules/{rule.pk}/"),
        ("risk-matrix", "risk", "/risk/matrix/"),
        ("auditor-matrix", "auditor", "/risk/matrix/"),
    ]


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
