"""Who sees what: another enterprise's case does not exist for them, the
auditor reads and never writes, and nobody reads without signing in."""

import pytest

from refunds.models import Document, Message, RefundRequest
from tests.factories import BankAccountFactory, ContractFactory, UserFactory, pdf
from tests.refunds.api_support import api, refund_url

pytestmark = pytest.mark.django_db

# (method, path under the case, body, format)
CASE_ENDPOINTS = (
    ("get", "", None, None),
    ("patch", "", {"description": "mine now"}, "json"),
    ("get", "transitions/", None, None),
    ("post", "transitions/withdraw/", {}, "json"),
    ("get", "events/", None, None),
    ("get", "documents/", None, None),
    ("post", "documents/", "upload", "multipart"),
    ("get", "documents/{doc}/download/", None, None),
    ("get", "messages/", None, None),
    ("post", "messages/", {"body": "hello"}, "json"),
    ("get", "approval-steps/", None, None),
)
WRITES = [endpoint for endpoint in CASE_ENDPOINTS if endpoint[0] != "get"]


def _call(client, refund, method, path, body, fmt):
    document = refund.documents.first()
    url = refund_url(refund, path.format(doc=document.pk))
    if body == "upload":
        body = {"kind": "other", "file": pdf("extra.pdf")}
    return getattr(client, method)(url, body, format=fmt)


@pytest.mark.parametrize(
    ("method", "path", "body", "fmt"), CASE_ENDPOINTS, ids=lambda value: str(value)
)
def test_another_enterprises_case_is_not_found_on_every_endpoint(
    cases, gary, method, path, body, fmt
):
    refund = cases.draft()
    counts = (Document.objects.count(), Message.objects.count())

    response = _call(api(gary), refund, method, path, body, fmt)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    refund.refresh_from_db()
    assert refund.state == "draft"
    assert refund.description == "Deposit returned at move-out"
    assert (Document.objects.count(), Message.objects.count()) == counts


def test_another_enterprises_cases_are_not_listed(cases, gary):
    cases.draft()

    response = api(gary).get("/api/v1/refunds/")

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("method", "path", "body", "fmt"), WRITES, ids=lambda value: str(value)
)
def test_the_auditor_may_not_write_anywhere(cases, audrey, method, path, body, fmt):
    refund = cases.draft()

    response = _call(api(audrey), refund, method, path, body, fmt)

    assert response.status_code == 403
    assert response.json()["message"] == "An auditor has read-only access."


def test_the_auditor_may_not_apply(audrey, acme_contract):
    response = api(audrey).post("/api/v1/refunds/", {"contract": acme_contract.pk})

    assert response.status_code == 403
    assert not RefundRequest.objects.exists()


@pytest.mark.parametrize(
    "path", ["", "events/", "documents/", "messages/", "approval-steps/"]
)
def test_the_auditor_reads_every_case(cases, audrey, path):
    refund = cases.draft()

    response = api(audrey).get(refund_url(refund, path))

    assert response.status_code == 200


def test_a_signed_in_user_without_a_role_sees_no_case(cases):
    refund = cases.draft()
    nobody = UserFactory(username="nobody")

    assert api(nobody).get(refund_url(refund)).status_code == 404
    assert api(nobody).get("/api/v1/refunds/").json()["results"] == []
    assert api(nobody).get("/api/v1/enterprises/").json()["results"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/refunds/",
        "/api/v1/enterprises/",
        "/api/v1/audit/events/",
        "/api/v1/audit/verify/",
    ],
)
def test_nothing_is_answered_without_signing_in(path):
    response = api().get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_enterprise_sees_only_itself_with_masked_accounts_for_staff(
    acme, globex, alice, gary, olivia, fiona
):
    ContractFactory(enterprise=acme, number="HT-ACME-1")
    BankAccountFactory(enterprise=acme, account_number="6222000099998888")
    BankAccountFactory(
        enterprise=acme, account_number="6222000077776666", verified_at=None
    )

    for_gary = api(gary).get("/api/v1/enterprises/").json()["results"]
    acme_for_gary = api(gary).get(f"/api/v1/enterprises/{acme.pk}/")
    acme_for_alice = api(alice).get(f"/api/v1/enterprises/{acme.pk}/").json()
    acme_for_olivia = api(olivia).get(f"/api/v1/enterprises/{acme.pk}/").json()
    acme_for_fiona = api(fiona).get(f"/api/v1/enterprises/{acme.pk}/").json()
    for_olivia = api(olivia).get("/api/v1/enterprises/").json()["results"]

    assert [row["id"] for row in for_gary] == [globex.pk]
    assert acme_for_gary.status_code == 404
    assert {row["id"] for row in for_olivia} == {acme.pk, globex.pk}
    assert [row["number"] for row in acme_for_alice["contracts"]] == ["HT-ACME-1"]
    # acme already holds the verified payee account of the case builder,
    # 6222000011112222; the unverified account is never listed.
    assert [row["account_number"] for row in acme_for_alice["bank_accounts"]] == [
        "6222000011112222",
        "6222000099998888",
    ]
    assert [row["account_number"] for row in acme_for_olivia["bank_accounts"]] == [
        "**** 2222",
        "**** 8888",
    ]
    assert [row["account_number"] for row in acme_for_fiona["bank_accounts"]] == [
        "6222000011112222",
        "6222000099998888",
    ]


def test_the_auditor_may_not_write_to_enterprises(audrey, acme):
    response = api(audrey).patch(f"/api/v1/enterprises/{acme.pk}/", {"name": "X"})

    assert response.status_code == 403
