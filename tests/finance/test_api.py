import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from finance import bankfiles
from finance.models import LedgerEntry, Payment, TopUp
from refunds.models import RefundRequest, State
from tests.finance.conftest import statement
from tests.payments import fund_pool

pytestmark = pytest.mark.django_db

BASE = "/api/v1/finance"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_committee_reads_the_pool_and_an_enterprise_may_not(
    funded_pool, carl, alice
):
    answer = client_for(carl).get(f"{BASE}/pool/")

    assert answer.status_code == 200
    assert answer.json()["available"] == "1000000.00"
    assert client_for(alice).get(f"{BASE}/pool/").status_code == 403


def test_a_top_up_is_proposed_and_confirmed_once_per_idempotency_key(
    pool, fiona, diana
):
    proposed = client_for(fiona).post(
        f"{BASE}/top-ups/",
        {"amount": "5000.00", "note": "Budget"},
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    replayed = client_for(fiona).post(
        f"{BASE}/top-ups/",
        {"amount": "5000.00", "note": "Budget"},
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    top_up = proposed.json()["id"]
    confirm = f"{BASE}/top-ups/{top_up}/confirm/"
    first = client_for(diana).post(confirm, HTTP_IDEMPOTENCY_KEY="c-1")
    second = client_for(diana).post(confirm, HTTP_IDEMPOTENCY_KEY="c-1")

    assert proposed.status_code == 201
    assert replayed["Idempotent-Replayed"] == "true"
    assert TopUp.objects.count() == 1
    assert (first.status_code, second.status_code) == (200, 200)
    assert second["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.count() == 1


def test_the_proposer_is_refused_confirmation_with_a_stable_code(pool, fiona):
    from parkportal.accounts.roles import Role
    from parkportal.accounts.services import user_grant_role

    top_up = client_for(fiona).post(f"{BASE}/top-ups/", {"amount": "5000.00"}).json()
    user_grant_role(user=fiona, role=Role.FINANCE_DIRECTOR)

    answer = client_for(fiona).post(f"{BASE}/top-ups/{top_up['id']}/confirm/")

    assert answer.status_code == 403
    assert answer.json()["code"] == "four_eyes"
    assert not LedgerEntry.objects.exists()


def test_a_batch_is_built_authorised_exported_and_reconciled_over_the_api(
    funded_pool, cases, mark, fiona, diana
):
    refund = cases.approved([mark], amount="60000.00")
    built = client_for(fiona).post(f"{BASE}/batches/", {"refunds": [refund.pk]})
    batch = built.json()["id"]

    own = client_for(fiona).post(f"{BASE}/batches/{batch}/authorise/")
    authorised = client_for(diana).post(
        f"{BASE}/batches/{batch}/authorise/", HTTP_IDEMPOTENCY_KEY="a-1"
    )
    exported = client_for(fiona).get(
        f"{BASE}/batches/{batch}/export/?file_format=pain001"
    )
    payment = Payment.objects.get(refund=refund)
    upload = io.BytesIO(statement("S-API", paid=[payment]))
    upload.name = "statement.xml"
    imported = client_for(fiona).post(
        f"{BASE}/statements/",
        {"file": upload, "file_format": "camt053"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="s-1",
    )

    assert built.status_code == 201
    assert own.status_code == 403
    assert authorised.status_code == 200
    assert authorised.json()["status"] == "authorised"
    orders = bankfiles.parse_pain001(exported.content)
    assert [o.end_to_end_id for o in orders] == [payment.end_to_end_id]
    assert imported.status_code == 201
    assert imported.json()["lines"][0]["outcome"] == "confirmed"
    assert RefundRequest.objects.get(pk=refund.pk).state == State.DISBURSED


def test_forecast_check_and_report_endpoints_answer(funded_pool, fiona, carl):
    forecast = client_for(carl).get(f"{BASE}/pool/forecast/?weeks=8")
    check = client_for(fiona).get(f"{BASE}/pool/check/")
    report = client_for(fiona).get(f"{BASE}/reports/monthly/?file_format=xlsx")
    bad = client_for(fiona).get(f"{BASE}/reports/monthly/?month=2026-13")

    assert len(forecast.json()["weeks"]) == 8
    assert Decimal(forecast.json()["available_now"]) == Decimal("1000000.00")
    assert check.json()["consistent"] is True
    assert load_workbook(io.BytesIO(report.content)).sheetnames
    assert bad.json()["code"] == "invalid_month"


def test_rates_are_entered_and_imported_over_the_api(fiona):
    entered = client_for(fiona).post(
        f"{BASE}/rates/", {"currency": "USD", "valid_on": "2026-11-01", "rate": "7.2"}
    )
    upload = io.BytesIO(b"currency,valid_on,rate\nEUR,2026-11-01,7.8\n")
    upload.name = "rates.csv"
    imported = client_for(fiona).post(
        f"{BASE}/rates/import/", {"file": upload}, format="multipart"
    )

    assert entered.status_code == 201
    assert imported.json() == {"imported": 1}
    assert len(client_for(fiona).get(f"{BASE}/rates/").json()["results"]) == 2


def test_the_schema_describes_the_finance_api(db, fiona):
    schema = client_for(fiona).get("/api/schema/?format=json").json()

    paths = schema["paths"]
    for path in (
        "/api/v1/finance/pool/",
        "/api/v1/finance/pool/forecast/",
        "/api/v1/finance/top-ups/{id}/confirm/",
        "/api/v1/finance/batches/{id}/authorise/",
        "/api/v1/finance/statements/",
        "/api/v1/finance/reports/monthly/",
    ):
        assert path in paths


def test_the_auditor_reads_the_ledger_but_moves_no_money(funded_pool, audrey):
    client = client_for(audrey)

    ledger = client.get(f"{BASE}/ledger/")
    proposal = client.post(f"{BASE}/top-ups/", {"amount": "5000.00"})

    assert ledger.status_code == 200
    assert [e["kind"] for e in ledger.json()["results"]] == ["top_up"]
    assert proposal.status_code == 403


def test_lines_waiting_for_a_person_are_listed_and_resolved(funded_pool, fiona):
    content = (
        b"statement_id,line_id,end_to_end_id,amount,currency,booking_date,status,reason\n"
        b"S-CSV,1,NOBODY-1,10.00,CNY,2026-11-03,booked,\n"
    )
    upload = io.BytesIO(content)
    upload.name = "statement.csv"
    client = client_for(fiona)
    client.post(
        f"{BASE}/statements/",
        {"file": upload, "file_format": "csv"},
        format="multipart",
    )

    waiting = client.get(f"{BASE}/statement-lines/?open=1").json()["results"]
    resolved = client.post(
        f"{BASE}/statement-lines/{waiting[0]['id']}/resolve/",
        {"resolution": "Bank fee"},
    )

    assert [line["outcome"] for line in waiting] == ["unmatched"]
    assert resolved.status_code == 200
    assert client.get(f"{BASE}/statement-lines/?open=1").json()["results"] == []


def test_a_mistaken_top_up_is_reversed_over_the_api(funded_pool, diana):
    entry = LedgerEntry.objects.get()

    answer = client_for(diana).post(
        f"{BASE}/ledger/{entry.pk}/reverse/", {"reason": "Booked twice"}
    )

    assert answer.status_code == 201
    assert answer.json()["balance_change"] == "-1000000.00"
    assert client_for(diana).get(f"{BASE}/pool/").json()["balance"] == "0.00"


def test_finance_corrects_the_payee_of_a_failed_payment_over_the_api(
    funded_pool, cases, mark, fiona, pay, acme_account
):
    from finance.services.reconciliation import statement_import

    refund = cases.approved([mark], amount="60000.00")
    pay(refund)
    payment = Payment.objects.get(refund=refund)
    statement_import(
        actor=fiona,
        content=statement("S-F", returned=[(payment, "AC04")]),
        file_format="camt053",
    )

    answer = client_for(fiona).post(
        f"{BASE}/refunds/{refund.pk}/correct-payee/",
        {
            "payee_name": "Acme Robotics",
            "payee_bank": "Bank of Suzhou",
            "payee_account": acme_account.account_number,
        },
    )

    assert answer.status_code == 204
    assert (
        RefundRequest.objects.get(pk=refund.pk).payee_account
        == acme_account.account_number
    )


@pytest.mark.parametrize(
    "path",
    [
        "/batches/x1/authorise/",
        "/batches/x1/cancel/",
        "/top-ups/x1/confirm/",
        "/top-ups/x1/reject/",
        "/ledger/x1/reverse/",
        "/statement-lines/x1/resolve/",
    ],
)
def test_an_id_that_is_not_a_number_is_not_found(pool, diana, path):
    answer = client_for(diana).post(BASE + path, {"reason": "x", "resolution": "x"})

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_a_top_up_in_the_ledger_has_no_refund_reference_as_the_schema_says(
    pool, fiona, diana, client
):
    fund_pool("5000.00", officer=fiona, director=diana)

    entries = client_for(fiona).get(f"{BASE}/ledger/").json()["results"]
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert entries[0]["kind"] == "top_up"
    assert entries[0]["refund_reference"] is None
    entry = schema["components"]["schemas"]["LedgerEntry"]["properties"]
    assert entry["refund_reference"]["nullable"] is True
