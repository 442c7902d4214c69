"""The refund resource: create, read, edit a draft, list with filters and
keyset pages, and the case's timeline, documents and messages."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parkportal.core import clock
from refunds.models import Message, RefundRequest, State
from tests.factories import PDF_BYTES, pdf
from tests.refunds.api_support import api, refund_url, step

pytestmark = pytest.mark.django_db

REFUNDS = "/api/v1/refunds/"


@pytest.fixture
def application(acme_contract):
    return {
        "contract": acme_contract.pk,
        "reason": "deposit",
        "description": "Deposit for unit B-12 returned at move-out",
        "amount": "12500.50",
        "currency": "CNY",
        "payee_name": "Acme Robotics",
        "payee_bank": "Industrial Bank Suzhou",
        "payee_account": "6222 0000 1111 3333",
    }


def test_an_enterprise_user_applies_and_gets_a_numbered_draft(alice, application):
    response = api(alice).post(REFUNDS, application)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert re.fullmatch(r"RF-\d{4}-\d{6}", body["reference"])
    assert body["reference"].startswith(f"RF-{clock.today().year}-")
    assert body["state"] == State.DRAFT
    assert body["state_display"] == "Draft"
    assert body["amount"] == "12500.50"
    assert body["currency"] == "CNY"
    assert body["payee_account"] == "6222000011113333"
    assert body["enterprise"] == alice.enterprise_id
    assert body["approved_amount"] is None
    for field in ("owner", "risk_level", "created_at", "submitted_at", "contract"):
        assert field in body


def test_staff_may_not_apply(olivia, application):
    response = api(olivia).post(REFUNDS, application)

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not RefundRequest.objects.exists()


def test_an_invalid_application_names_the_fields(alice, application):
    response = api(alice).post(REFUNDS, {**application, "amount": "abc", "reason": ""})

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["details"]) == {"amount", "reason"}


def test_an_application_on_another_enterprises_contract_is_refused(gary, application):
    response = api(gary).post(REFUNDS, application)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_contract"


def test_a_draft_is_edited_and_a_submitted_case_is_not(cases, alice):
    refund = cases.draft()
    client = api(alice)

    edited = client.patch(refund_url(refund), {"amount": "42000.00"})
    step(refund, "submit", alice)
    refused = client.patch(refund_url(refund), {"amount": "1.00"})

    assert edited.status_code == 200
    assert edited.json()["amount"] == "42000.00"
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_editable"


def test_staff_may_not_edit_a_draft(cases, mark):
    refund = cases.draft()

    response = api(mark).patch(refund_url(refund), {"amount": "1.00"})

    assert response.status_code == 403


def test_put_is_not_offered(cases, alice, application):
    refund = cases.draft()

    response = api(alice).put(refund_url(refund), application)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_payee_account_is_masked_except_for_the_enterprise_and_finance(
    cases, alice, olivia, fiona, diana, audrey
):
    refund = cases.draft(payee_account="6222000011114444")

    seen = {
        user.username: api(user).get(refund_url(refund)).json()["payee_account"]
        for user in (alice, olivia, fiona, diana, audrey)
    }

    assert seen == {
        "alice": "6222000011114444",
        "olivia": "**** 4444",
        "fiona": "6222000011114444",
        "diana": "6222000011114444",
        "audrey": "**** 4444",
    }


def _references(response) -> list[str]:
    return [row["reference"] for row in response.json()["results"]]


def test_the_list_filters_by_several_states_reason_and_amount(cases, olivia, mark):
    draft = cases.draft(amount="1000.00")
    review = cases.under_review(amount="2000.00", reason="overpayment")
    pending = cases.pending_approval(amount="3000.00")
    client = api(mark)

    by_states = client.get(REFUNDS, {"state": ["draft", "pending_approval"]})
    by_comma = client.get(REFUNDS, {"state": "draft,under_review"})
    by_reason = client.get(REFUNDS, {"reason": "overpayment"})
    by_amount = client.get(REFUNDS, {"amount_min": "1500", "amount_max": "2500"})

    assert set(_references(by_states)) == {draft.reference, pending.reference}
    assert set(_references(by_comma)) == {draft.reference, review.reference}
    assert _references(by_reason) == [review.reference]
    assert _references(by_amount) == [review.reference]


def test_the_list_filters_by_owner_enterprise_currency_and_creation_time(
    cases, mark, olivia, acme, globex
):
    import datetime

    with clock.travel(datetime.datetime(2025, 3, 1, tzinfo=datetime.UTC)):
        old = cases.draft()
    new = cases.under_review()
    client = api(mark)

    assert _references(client.get(REFUNDS, {"owner": olivia.pk})) == [new.reference]
    assert _references(client.get(REFUNDS, {"enterprise": globex.pk})) == []
    assert len(_references(client.get(REFUNDS, {"enterprise": acme.pk}))) == 2
    assert len(_references(client.get(REFUNDS, {"currency": "CNY"}))) == 2
    assert _references(
        client.get(REFUNDS, {"created_before": "2025-06-01T00:00:00Z"})
    ) == [old.reference]
    assert _references(
        client.get(REFUNDS, {"created_after": "2025-06-01T00:00:00Z"})
    ) == [new.reference]


def test_an_unknown_filter_value_is_a_clear_error(mark):
    response = api(mark).get(REFUNDS, {"state": "lost", "ordering": "payee_name"})

    assert response.status_code == 400
    assert set(response.json()["details"]) == {"state", "ordering"}


@pytest.mark.parametrize("ordering", ["amount", "-amount", "reference", "-created_at"])
def test_cursor_pages_walk_every_case_once_in_the_asked_order(cases, mark, ordering):
    amounts = ["500.00", "700.00", "500.00", "900.00", "700.00", "500.00", "100.00"]
    for amount in amounts:
        cases.draft(amount=amount)
    client = api(mark)

    seen, url, params = [], REFUNDS, {"ordering": ordering, "page_size": 2}
    while url:
        page = client.get(url, params).json()
        assert "count" not in page
        seen.extend(page["results"])
        url, params = page["next"], None

    field = ordering.lstrip("-")
    expected = sorted(
        RefundRequest.objects.all(),
        key=lambda refund: (getattr(refund, field), refund.pk),
        reverse=ordering.startswith("-"),
    )
    assert [row["id"] for row in seen] == [refund.pk for refund in expected]


def test_the_timeline_hides_internal_steps_and_staff_comments_from_the_enterprise(
    cases, alice, olivia, rita
):
    refund = cases.under_review()
    step(refund, "hold", rita, comment="Payee account seen on another case")

    for_alice = api(alice).get(refund_url(refund, "events/")).json()
    for_olivia = api(olivia).get(refund_url(refund, "events/")).json()

    assert "start_review" not in [row["kind"] for row in for_alice]
    assert "start_review" in [row["kind"] for row in for_olivia]
    hold_for_alice = next(row for row in for_alice if row["kind"] == "hold")
    hold_for_olivia = next(row for row in for_olivia if row["kind"] == "hold")
    assert hold_for_alice["comment"] == ""
    assert hold_for_olivia["comment"] == "Payee account seen on another case"
    assert hold_for_alice["text"] == "The case was put on hold for a risk check."


def test_a_document_is_uploaded_listed_and_downloaded_as_an_attachment(
    cases, alice, olivia
):
    refund = cases.draft()
    client = api(alice)

    uploaded = client.post(
        refund_url(refund, "documents/"),
        {"kind": "other", "file": pdf("../../etc/lease.pdf")},
        format="multipart",
    )
    listed = client.get(refund_url(refund, "documents/"))
    document_id = uploaded.json()["id"]
    download = api(olivia).get(refund_url(refund, f"documents/{document_id}/download/"))

    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["original_name"] == "lease.pdf"
    assert len(listed.json()) == 4
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "lease.pdf" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_file_that_is_not_a_pdf_or_image_is_refused_by_content(cases, alice):
    refund = cases.draft()
    disguised = SimpleUploadedFile(
        "invoice.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
    )

    response = api(alice).post(
        refund_url(refund, "documents/"),
        {"kind": "invoice", "file": disguised},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "file_type_refused"


def test_a_document_of_another_case_is_not_found_under_this_one(cases, alice):
    first, second = cases.draft(), cases.draft()
    other_document = second.documents.first()

    response = api(alice).get(
        refund_url(first, f"documents/{other_document.pk}/download/")
    )

    assert response.status_code == 404


def test_internal_notes_are_for_staff_only(cases, alice, olivia):
    refund = cases.under_review()
    api(olivia).post(
        refund_url(refund, "messages/"),
        {"body": "Check the lease end date", "internal": True},
    )
    api(olivia).post(refund_url(refund, "messages/"), {"body": "We are on it."})

    for_alice = api(alice).get(refund_url(refund, "messages/")).json()
    for_olivia = api(olivia).get(refund_url(refund, "messages/")).json()
    refused = api(alice).post(
        refund_url(refund, "messages/"), {"body": "Let me in", "internal": True}
    )

    assert [row["body"] for row in for_alice] == ["We are on it."]
    assert len(for_olivia) == 2
    assert refused.status_code == 403
    assert not Message.objects.filter(body="Let me in").exists()


def test_the_enterprise_writes_to_staff(cases, alice):
    refund = cases.under_review()

    response = api(alice).post(
        refund_url(refund, "messages/"), {"body": "The invoice is attached."}
    )

    assert response.status_code == 201
    assert response.json()["internal"] is False
    assert response.json()["author"] == alice.pk


def test_the_enterprise_sees_approval_levels_but_not_who_signed(cases, alice, mark):
    refund = cases.pending_approval(amount="150000.00")
    step(refund, "approve", mark, comment="Fine by me")

    for_alice = api(alice).get(refund_url(refund, "approval-steps/")).json()
    for_mark = api(mark).get(refund_url(refund, "approval-steps/")).json()

    assert [row["level"] for row in for_alice] == ["ops_manager", "finance_director"]
    assert [row["status"] for row in for_alice] == ["approved", "pending"]
    assert for_alice[0]["decided_by"] is None
    assert for_alice[0]["comment"] == ""
    assert for_mark[0]["decided_by"] == mark.pk
    assert for_mark[0]["comment"] == "Fine by me"
    assert Decimal(for_mark[0]["approved_amount"]) == Decimal("150000.00")


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(REFUNDS)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_list_costs_the_same_queries_for_few_and_many_cases(cases, mark):
    client = api(mark)
    cases.draft()
    _count_queries(client)  # the caller's roles are read once, then kept
    few = _count_queries(client)
    for _ in range(6):
        cases.draft()

    many = _count_queries(client)

    assert many == few


def test_previous_links_walk_back_through_the_same_pages(cases, mark):
    for amount in ["500.00", "500.00", "500.00", "700.00", "500.00"]:
        cases.draft(amount=amount)
    client = api(mark)
    forward, url, params = [], REFUNDS, {"ordering": "-amount", "page_size": 2}
    while url:
        page = client.get(url, params).json()
        forward.append([row["id"] for row in page["results"]])
        last_previous, url, params = page["previous"], page["next"], None

    backward = []
    url = last_previous
    while url:
        page = client.get(url).json()
        backward.append([row["id"] for row in page["results"]])
        url = page["previous"]

    assert [len(ids) for ids in forward] == [2, 2, 1]
    assert backward == forward[-2::-1]


def test_a_case_created_while_paging_does_not_shift_the_next_page(cases, mark):
    for _ in range(4):
        cases.draft()
    client = api(mark)
    first = client.get(REFUNDS, {"page_size": 2}).json()

    cases.draft()
    second = client.get(first["next"]).json()

    seen = [row["id"] for row in first["results"] + second["results"]]
    oldest_four = sorted(RefundRequest.objects.values_list("id", flat=True))[:4]
    assert seen == sorted(oldest_four, reverse=True)


def test_a_forged_cursor_is_not_found(mark):
    response = api(mark).get(REFUNDS, {"cursor": "not-a-cursor"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_case_reads_as_its_row_says_in_the_list_and_in_its_detail(
    cases, alice, olivia, mark
):
    olivia.first_name, olivia.last_name = "Olivia", "Chen"
    olivia.save()
    refund = cases.under_review(amount="1234.50")
    refund.refresh_from_db()

    listed = api(mark).get(REFUNDS).json()["results"][0]
    detail = api(mark).get(refund_url(refund)).json()

    assert listed == detail
    assert detail["id"] == refund.pk
    assert detail["reference"] == refund.reference
    assert detail["state_display"] == "Under review"
    assert detail["enterprise_name"] == refund.enterprise.name
    assert detail["contract"] == refund.contract_id
    assert detail["amount"] == "1234.50"
    assert detail["approved_amount"] is None
    assert detail["owner"] == olivia.pk
    assert detail["owner_name"] == "Olivia Chen"
    assert detail["decided_at"] is None
    assert detail["version"] == refund.version


def test_an_unowned_case_has_no_owner_name(cases, alice):
    refund = cases.draft()

    detail = api(alice).get(refund_url(refund)).json()

    assert detail["owner"] is None
    assert detail["owner_name"] == ""


def test_the_timeline_names_each_person_as_their_profile_does(cases, alice, rita):
    rita.display_name = "Rita Wang"
    rita.save()
    refund = cases.under_review()
    step(refund, "hold", rita, comment="Payee account seen on another case")

    rows = api(rita).get(refund_url(refund, "events/")).json()

    hold = next(row for row in rows if row["kind"] == "hold")
    assert hold["actor"] == "Rita Wang"
    assert hold["on_behalf_of"] == ""
    assert next(row for row in rows if row["kind"] == "submit")["actor"] == "alice"


def test_a_timeline_under_an_id_that_is_not_a_number_is_not_found(alice):
    response = api(alice).get(f"{REFUNDS}abc/events/")

    assert response.status_code == 404


def test_a_timeline_with_nothing_to_show_is_empty_for_its_enterprise_only(
    cases, alice, gary
):
    refund = cases.draft()
    refund.timeline.update(visible_to_enterprise=False)

    assert api(alice).get(refund_url(refund, "events/")).json() == []
    assert api(gary).get(refund_url(refund, "events/")).status_code == 404
