"""Idempotency-Key on the POSTs that move money, as the finance desk sends
them: replayed for a day at least, refused with another body, recognised
whatever the encoding of the same body."""

import io
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from finance.models import BankStatement, DisbursementBatch, LedgerEntry, Payment
from parkportal.core import clock
from parkportal.core.idempotency import idempotency_purge
from parkportal.core.models import IdempotencyRecord
from parkportal.core.tasks import purge_idempotency_records
from refunds.models import RefundRequest, State
from tests.finance.conftest import statement

pytestmark = pytest.mark.django_db

BASE = "/api/v1/finance"
# Every POST that creates a case or moves money.
MONEY_AND_CASES = [
    ("/api/v1/refunds/", "post"),
    ("/api/v1/refunds/{id}/transitions/{name}/", "post"),
    ("/api/v1/finance/top-ups/", "post"),
    ("/api/v1/finance/top-ups/{id}/confirm/", "post"),
    ("/api/v1/finance/ledger/{id}/reverse/", "post"),
    ("/api/v1/finance/batches/", "post"),
    ("/api/v1/finance/batches/{id}/authorise/", "post"),
    ("/api/v1/finance/statements/", "post"),
    ("/api/v1/finance/statement-lines/{id}/resolve/", "post"),
]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(content: bytes):
    file = io.BytesIO(content)
    file.name = "statement.xml"
    return file


@pytest.mark.parametrize(("path", "method"), MONEY_AND_CASES)
def test_every_post_that_creates_a_case_or_moves_money_documents_the_key(
    client, path, method
):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    headers = [
        parameter["name"]
        for parameter in schema["paths"][path][method].get("parameters", [])
        if parameter["in"] == "header"
    ]

    assert headers == ["Idempotency-Key"]


def test_a_retried_batch_and_authorisation_pay_once(
    funded_pool, cases, mark, fiona, diana
):
    refund = cases.approved([mark], amount="60000.00")
    build = {"refunds": [refund.pk], "note": "May"}

    built = client_for(fiona).post(
        f"{BASE}/batches/", build, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    rebuilt = client_for(fiona).post(
        f"{BASE}/batches/", build, format="json", HTTP_IDEMPOTENCY_KEY="b-1"
    )
    authorise = f"{BASE}/batches/{built.json()['id']}/authorise/"
    first = client_for(diana).post(authorise, HTTP_IDEMPOTENCY_KEY="a-1")
    retry = client_for(diana).post(authorise, HTTP_IDEMPOTENCY_KEY="a-1")

    assert (built.status_code, rebuilt.status_code) == (201, 201)
    assert rebuilt["Idempotent-Replayed"] == "true"
    assert DisbursementBatch.objects.count() == 1
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == first.json()
    assert Payment.objects.filter(refund=refund).count() == 1
    assert RefundRequest.objects.get(pk=refund.pk).state == State.DISBURSING


def test_json_with_its_keys_in_another_order_is_the_same_request(pool, fiona):
    client = client_for(fiona)

    first = client.generic(
        "POST",
        f"{BASE}/top-ups/",
        '{"amount": "5000.00", "note": "Budget"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t-1",
    )
    reordered = client.generic(
        "POST",
        f"{BASE}/top-ups/",
        '{"note":"Budget","amount":"5000.00"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t-1",
    )

    assert first.status_code == reordered.status_code == 201
    assert reordered["Idempotent-Replayed"] == "true"


def test_a_statement_sent_again_with_another_multipart_boundary_is_replayed(
    funded_pool, cases, mark, fiona, pay
):
    pay(cases.approved([mark], amount="30000.00"))
    content = statement("S-RETRY", paid=Payment.objects.all())
    client = client_for(fiona)

    first = client.post(
        f"{BASE}/statements/",
        {"file": upload(content), "file_format": "camt053"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )
    # A client library draws a fresh boundary for every request it sends.
    body, boundary = _multipart(content, "camt053", boundary="another-boundary-42")
    retry = client.generic(
        "POST",
        f"{BASE}/statements/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )

    assert first.status_code == 201
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert BankStatement.objects.count() == 1


def test_another_statement_under_the_same_key_is_refused(
    funded_pool, cases, mark, fiona, pay
):
    pay(cases.approved([mark], amount="30000.00"))
    client = client_for(fiona)
    client.post(
        f"{BASE}/statements/",
        {"file": upload(statement("S-A")), "file_format": "camt053"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="s-2",
    )

    other = client.post(
        f"{BASE}/statements/",
        {"file": upload(statement("S-B")), "file_format": "camt053"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="s-2",
    )

    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert BankStatement.objects.count() == 1


def test_an_answer_is_replayed_a_day_later_and_purged_after_the_retention(
    pool, fiona, settings
):
    settings.IDEMPOTENCY_RETENTION_HOURS = 48
    client = client_for(fiona)
    body = {"amount": "5000.00", "note": "Budget"}
    client.post(f"{BASE}/top-ups/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    with clock.travel(clock.now() + timedelta(hours=25)):
        purge_idempotency_records()
        a_day_later = client.post(
            f"{BASE}/top-ups/", body, format="json", HTTP_IDEMPOTENCY_KEY="k"
        )
    with clock.travel(clock.now() + timedelta(hours=49)):
        purged = purge_idempotency_records()

    assert a_day_later["Idempotent-Replayed"] == "true"
    assert purged == 1
    assert not IdempotencyRecord.objects.exists()


def test_purge_keeps_records_younger_than_asked(pool, fiona):
    client_for(fiona).post(
        f"{BASE}/top-ups/", {"amount": "1.00"}, HTTP_IDEMPOTENCY_KEY="young"
    )

    assert idempotency_purge(older_than=timedelta(hours=24)) == 0
    assert IdempotencyRecord.objects.count() == 1
    assert LedgerEntry.objects.count() == 0


def _multipart(content: bytes, file_format: str, *, boundary: str):
    lines = [
        f"--{boundary}",
        'Content-Disposition: form-data; name="file_format"',
        "",
        file_format,
        f"--{boundary}",
        'Content-Disposition: form-data; name="file"; filename="statement.xml"',
        "Content-Type: application/xml",
        "",
    ]
    head = ("\r\n".join(lines) + "\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary
