import pytest
from django.urls import reverse

from tests.factories import pdf

pytestmark = pytest.mark.django_db


def test_another_enterprise_gets_404_for_the_case_page(client, cases, gary):
    refund = cases.draft()
    client.force_login(gary)

    response = client.get(reverse("refunds:case", args=[refund.pk]))

    assert response.status_code == 404


def test_another_enterprise_gets_404_for_a_document(client, cases, gary):
    refund = cases.draft()
    document = refund.documents.first()
    client.force_login(gary)

    response = client.get(reverse("refunds:download", args=[refund.pk, document.pk]))

    assert response.status_code == 404


def test_a_document_is_sent_as_an_attachment_that_is_not_sniffed(client, cases, alice):
    refund = cases.draft()
    document = refund.documents.first()
    client.force_login(alice)

    response = client.get(reverse("refunds:download", args=[refund.pk, document.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_document_of_another_case_cannot_be_reached_through_mine(
    client, cases, alice, gary, globex
):
    from tests.conftest import CaseBuilder
    from tests.factories import ContractFactory

    mine = cases.draft()
    theirs = CaseBuilder(gary, ContractFactory(enterprise=globex), None).draft()
    client.force_login(alice)

    response = client.get(
        reverse("refunds:download", args=[mine.pk, theirs.documents.first().pk])
    )

    assert response.status_code == 404


def test_another_enterprise_cannot_upload_to_a_case(client, cases, gary):
    refund = cases.draft()
    client.force_login(gary)

    response = client.post(
        reverse("refunds:upload", args=[refund.pk]),
        {"kind": "other", "file": pdf()},
    )

    assert response.status_code == 404


def test_staff_pages_refuse_an_enterprise(client, alice):
    client.force_login(alice)

    for name in ("staff_list", "approvals", "audit_cases", "audit_trail"):
        assert client.get(reverse(f"refunds:{name}")).status_code == 403


def test_the_enterprise_portal_refuses_staff(client, olivia):
    client.force_login(olivia)

    assert client.get(reverse("refunds:apply")).status_code == 403


def test_pages_ask_a_visitor_to_sign_in(client):
    response = client.get(reverse("refunds:mine"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
