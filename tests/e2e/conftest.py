"""Browser tests: a real Chromium (Debian's package) drives the portal
served by pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread, which makes
Django refuse ORM calls there as if they came from async code; the tests
arrange data with the ORM between browser steps, so that guard is lifted
for this folder only.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.utils import translation

from parkportal.accounts.services import roles_ensure
from refunds.models import ApprovalThreshold

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "parkportal-test"
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason="Chromium is not installed at /usr/bin/chromium "
        "(apt-get install chromium); CI installs it"
    )
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def migrated_data(transactional_db):
    """Put back what the data migrations created. Browser tests run in
    transactional tests, whose flush between tests empties every table;
    serialized_rollback restores it only when no ordinary database test
    ran before in the same session, so the tests do it themselves."""
    policy = importlib.import_module(
        "refunds.migrations.0003_default_approval_policy"
    ).DEFAULT_POLICY
    for level, position, minimum in policy:
        ApprovalThreshold.objects.get_or_create(
            level=level, defaults={"position": position, "min_amount_cny": minimum}
        )
    roles_ensure()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Visitor:
    """One person at one browser window, signed in or not."""

    def __init__(self, browser, base_url, language, viewport=DESK):
        # The browser asks for English; a Chinese visitor picks Chinese in
        # the page's own language switch, as a person would.
        self.context = browser.new_context(viewport=viewport, locale="en-US")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.base_url = base_url
        self.language = language

    def _(self, text: str) -> str:
        """The page's wording for `text` in this visitor's language."""
        with translation.override(self.language):
            return translation.gettext(text)

    def open(self, path: str):
        return self.page.goto(self.base_url + path)

    def sign_in(self, username: str, password: str = PASSWORD):
        self.open("/accounts/login/")
        switch = self.page.locator("#language-select")
        if switch.input_value() != self.language:
            switch.select_option(self.language)
            self.click_and_wait(self.page.locator(".language-switch button"))
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=self._("Sign in")).click()
        return self

    def button(self, name: str):
        return self.page.get_by_role("button", name=self._(name), exact=True)

    def click_and_wait(self, locator):
        with self.page.expect_navigation():
            locator.click()

    def assert_accessible(self):
        assert_no_serious_violations(self.page)

    def close(self):
        self.context.close()


@pytest.fixture
def visitors(browser, live_server):
    opened = []

    def open_visitor(language="en", viewport=DESK):
        visitor = Visitor(browser, live_server.url, language, viewport)
        opened.append(visitor)
        return visitor

    yield open_visitor
    for visitor in opened:
        visitor.close()


# The rules that must hold on every page: names and labels, contrast and
# landmarks. Violations of lesser impact are reported by axe but do not
# fail the build.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "best-practice"]}
}
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol rather than added as a
        # <script>: the portal's Content Security Policy refuses inline
        # scripts, and the check must run against the page as served.
        page.evaluate(AXE.read_text())
    result = page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)
    return [
        violation
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def assert_no_serious_violations(page) -> None:
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    ]
    assert not violations, f"{page.url}:\n" + "\n".join(summary)
