"""The core flows work with JavaScript off; with it on, the apply form
checks fields as they are filled and uploads show their progress."""

import pytest

from refunds.models import RefundRequest, State
from tests.e2e.demo import PASSWORD, build_demo
from tests.factories import PDF_BYTES

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]


def test_an_enterprise_applies_and_submits_without_javascript(browser, live_server):
    build_demo()
    context = browser.new_context(java_script_enabled=False, locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "enterprise")
    page.fill("#id_password", PASSWORD)
    page.click("form.form button[type=submit]")

    page.goto(live_server.url + "/refunds/apply/")
    page.select_option("#id_contract", index=1)
    page.select_option("#id_reason", "deposit")
    page.fill("#id_amount", "1000.00")
    page.check("#id_payee_0")
    page.get_by_role("button", name="Save and continue to documents").click()
    for kind in ("contract", "bank_proof"):
        page.select_option("#document-kind", kind)
        page.set_input_files(
            "#document-file",
            {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
        )
        page.get_by_role("button", name="Upload").click()
    page.get_by_role("button", name="Submit the request").click()
    context.close()

    refund = RefundRequest.objects.order_by("-id").first()
    assert refund.amount == 1000
    assert refund.state == State.UNDER_REVIEW
    assert refund.documents.count() == 2


def test_the_apply_form_points_at_a_wrong_amount_before_it_is_sent(visitors):
    build_demo()
    alice = visitors("en").sign_in("enterprise", PASSWORD)
    alice.open("/refunds/apply/")

    alice.page.fill("#id_amount", "-5")
    alice.page.locator("#id_amount").blur()

    error = alice.page.locator("#id_amount_error")
    error.wait_for()
    assert "0.01" in error.inner_text()
    assert alice.page.locator("#id_amount").get_attribute("aria-invalid") == "true"
    assert alice.page.locator("#id_contract_error").count() == 0


def test_an_upload_goes_by_script_and_lands_on_the_case(visitors):
    demo = build_demo()
    draft = demo.cases["draft"]
    alice = visitors("en").sign_in("enterprise", PASSWORD)
    alice.open(f"/refunds/{draft.pk}/")

    alice.page.set_input_files(
        "#document-file",
        {"name": "proof.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
    )
    with (
        alice.page.expect_request(
            lambda request: request.headers.get("x-requested-with") == "XMLHttpRequest"
        ),
        alice.page.expect_navigation(),
    ):
        alice.page.get_by_role("button", name="Upload").click()

    assert alice.page.get_by_role("link", name="proof.pdf").is_visible()
    assert alice.page.get_by_text("proof.pdf was added.").is_visible()


def test_the_other_account_fields_appear_only_when_chosen(visitors):
    build_demo()
    alice = visitors("en").sign_in("enterprise", PASSWORD)
    alice.open("/refunds/apply/")
    new_account = alice.page.get_by_label("Account holder")

    hidden_at_first = new_account.is_hidden()
    alice.page.get_by_label("Another account (to be verified)").check()

    assert hidden_at_first
    assert new_account.is_visible()
