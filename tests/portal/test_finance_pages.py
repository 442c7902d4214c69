"""The finance desk in the browser's place: each page for finance roles
only, four eyes shown and enforced, batches, statements and rates."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from finance import bankfiles
from finance.models import (
    BatchStatus,
    DisbursementBatch,
    FxRate,
    LineOutcome,
    PaymentStatus,
    StatementLine,
    TopUp,
    TopUpStatus,
)
from finance.reports import monthly_report, report_csv, report_xlsx
from finance.services.batches import batch_authorise, batch_build
from finance.services.pool import pool_get
from finance.services.top_ups import top_up_confirm, top_up_propose
from parkportal.accounts.roles import Role
from parkportal.accounts.services import user_grant_role
from parkportal.core import clock
from parkportal.core.models import Job, JobStatus
from refunds.models import State

pytestmark = pytest.mark.django_db

PAGES = [
    "finance:desk",
    "finance:ledger",
    "finance:top_ups",
    "finance:batches",
    "finance:statements",
    "finance:reconciliation",
    "finance:rates",
    "finance:forecast",
    "finance:reports",
]


@pytest.fixture
def funded(fiona, diana):
    """Half a million CNY in the pool, with a watermark that stays quiet."""
    pool = pool_get()
    pool.low_watermark = Decimal("0.00")
    pool.save()
    top_up = top_up_propose(actor=fiona, amount=Decimal("500000.00"))
    top_up_confirm(top_up_id=top_up.pk, actor=diana)


@pytest.fixture
def paid_batch(funded, cases, mark, fiona, diana):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    return batch_authorise(batch_id=batch.pk, actor=diana)


def statement_file(statement_id, *, paid=(), extra=()):
    entries = [
        bankfiles.StatementEntry(
            f"{statement_id}-{p.end_to_end_id}",
            p.end_to_end_id,
            p.amount,
            p.currency,
            clock.today(),
            False,
        )
        for p in paid
    ]
    return bankfiles.camt053(
        statement_id=statement_id,
        created_at=clock.now(),
        account="CN0000000000000000",
        entries=[*entries, *extra],
    )


@pytest.mark.parametrize("name", PAGES)
def test_every_finance_page_opens_for_the_officer_and_the_director(
    client, fiona, diana, name
):
    for person in (fiona, diana):
        client.force_login(person)

        page = client.get(reverse(name))

        assert page.status_code == 200, person


@pytest.mark.parametrize("name", PAGES)
def test_finance_pages_are_refused_to_other_roles(client, alice, olivia, rita, name):
    for person in (alice, olivia, rita):
        client.force_login(person)

        page = client.get(reverse(name))

        assert page.status_code == 403, person


def test_the_desk_shows_balance_earmarked_available_and_watermark(
    client, funded, cases, mark, fiona
):
    cases.approved([mark], amount="60000.00")
    client.force_login(fiona)

    page = client.get(reverse("finance:desk"))

    assert "CNY 500,000.00" in page.text
    assert "CNY 60,000.00" in page.text
    assert "CNY 440,000.00" in page.text
    assert "Watermark" in page.text


def test_the_finance_desk_is_a_workspace_of_finance_people_only(client, fiona, olivia):
    client.force_login(fiona)
    assert reverse("finance:desk") in client.get(reverse("home")).text

    client.force_login(olivia)
    assert reverse("finance:desk") not in client.get(reverse("home")).text


def test_a_top_up_is_proposed_by_one_person_and_confirmed_by_another(
    client, fiona, diana
):
    client.force_login(fiona)
    client.post(
        reverse("finance:top_ups"),
        {"amount": "250000.00", "bank_reference": "TT-77", "note": "Quarterly"},
    )
    top_up = TopUp.objects.get(bank_reference="TT-77")

    client.force_login(diana)
    page = client.post(reverse("finance:top_up_confirm", args=[top_up.pk]), follow=True)

    top_up.refresh_from_db()
    assert top_up.status == TopUpStatus.CONFIRMED
    assert top_up.decided_by == diana
    assert "Top-up confirmed" in page.text
    assert pool_get().balance == Decimal("250000.00")


def test_the_proposer_cannot_confirm_her_own_top_up(client, fiona, diana):
    # Fiona holds both finance roles here: only the four-eyes rule stops her.
    user_grant_role(user=fiona, role=Role.FINANCE_DIRECTOR)
    client.force_login(fiona)
    client.post(reverse("finance:top_ups"), {"amount": "1000.00", "note": "Mine"})
    top_up = TopUp.objects.get(note="Mine")

    page = client.post(reverse("finance:top_up_confirm", args=[top_up.pk]), follow=True)

    top_up.refresh_from_db()
    assert top_up.status == TopUpStatus.PROPOSED
    assert "The person who proposed a top-up may not confirm it." in page.text


def test_a_top_up_is_rejected_with_a_reason(client, fiona, diana):
    top_up = top_up_propose(actor=fiona, amount=Decimal("1000.00"))
    client.force_login(diana)

    client.post(
        reverse("finance:top_up_reject", args=[top_up.pk]),
        {"reason": "Wrong account"},
    )

    top_up.refresh_from_db()
    assert top_up.status == TopUpStatus.REJECTED


def test_a_batch_is_built_from_the_page_and_authorised_by_the_director(
    client, funded, cases, mark, fiona, diana
):
    first = cases.approved([mark], amount="60000.00")
    second = cases.approved([mark], amount="40000.00")
    client.force_login(fiona)
    builder = client.get(reverse("finance:batches"))
    assert first.reference in builder.text and second.reference in builder.text

    built = client.post(
        reverse("finance:batches"), {"refunds": [first.pk, second.pk]}, follow=True
    )
    batch = DisbursementBatch.objects.get()
    assert "You built this batch" in built.text

    client.force_login(diana)
    client.post(reverse("finance:batch_authorise", args=[batch.pk]))

    batch.refresh_from_db()
    first.refresh_from_db()
    assert batch.status == BatchStatus.AUTHORISED
    assert batch.authorised_by == diana
    assert first.state == State.DISBURSING


def test_the_builder_cannot_authorise_her_own_batch(
    client, funded, cases, mark, fiona, diana
):
    user_grant_role(user=fiona, role=Role.FINANCE_DIRECTOR)
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    client.force_login(fiona)

    page = client.post(reverse("finance:batch_authorise", args=[batch.pk]), follow=True)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert "notice--error" in page.text


def test_a_batch_without_a_case_is_refused_with_a_message(
    client, funded, cases, mark, fiona
):
    cases.approved([mark], amount="60000.00")
    client.force_login(fiona)

    page = client.post(reverse("finance:batches"), {"note": "empty"})

    assert DisbursementBatch.objects.count() == 0
    assert "Please choose at least one case." in page.text


def test_the_authorised_batch_downloads_as_pain001_and_csv(client, paid_batch, fiona):
    client.force_login(fiona)

    xml = client.get(reverse("finance:batch_file", args=[paid_batch.pk, "pain001"]))
    csv = client.get(reverse("finance:batch_file", args=[paid_batch.pk, "csv"]))

    orders = bankfiles.parse_pain001(xml.content)
    assert [order.amount for order in orders] == [Decimal("60000.00")]
    assert "attachment" in csv["Content-Disposition"]
    assert orders[0].end_to_end_id.encode() in csv.content


def test_a_draft_batch_offers_no_bank_file(client, funded, cases, mark, fiona):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    client.force_login(fiona)

    page = client.get(
        reverse("finance:batch_file", args=[batch.pk, "csv"]), follow=True
    )

    assert "Only an authorised batch can be sent to the bank." in page.text


def test_a_statement_imported_from_the_page_confirms_the_payment(
    client, paid_batch, fiona, django_capture_on_commit_callbacks
):
    payment = paid_batch.payments.get()
    stray = bankfiles.StatementEntry(
        "S-9-X", "RF-UNKNOWN-1", Decimal("10.00"), "CNY", clock.today(), False
    )
    content = statement_file("S-9", paid=[payment], extra=[stray])
    client.force_login(fiona)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("finance:statements"),
            {
                "file_format": "camt053",
                "statement": SimpleUploadedFile("s9.xml", content, "application/xml"),
            },
        )
    job = Job.objects.get()
    page = client.get(answer["Location"])
    result = client.get(job.result_url)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert answer["Location"] == reverse("job", args=[job.pk])
    assert "Statement S-9 imported." in page.text
    assert f'<a href="{reverse("finance:reconciliation")}">' in page.text
    assert "RF-UNKNOWN-1" in result.text


def test_an_unmatched_line_is_resolved_on_the_reconciliation_screen(
    client, paid_batch, fiona, django_capture_on_commit_callbacks
):
    stray = bankfiles.StatementEntry(
        "S-10-X", "RF-UNKNOWN-2", Decimal("10.00"), "CNY", clock.today(), False
    )
    client.force_login(fiona)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("finance:statements"),
            {
                "file_format": "camt053",
                "statement": SimpleUploadedFile(
                    "s10.xml", statement_file("S-10", extra=[stray])
                ),
            },
        )
    line = StatementLine.objects.get(end_to_end_id="RF-UNKNOWN-2")
    assert line.outcome == LineOutcome.UNMATCHED

    client.post(
        reverse("finance:resolve_line", args=[line.pk]),
        {"resolution": "Interest booked by the bank"},
    )

    line.refresh_from_db()
    assert line.resolved_by == fiona
    page = client.get(reverse("finance:reconciliation"))
    assert "RF-UNKNOWN-2" not in page.text


def test_a_rate_is_added_and_rates_are_imported_from_csv(client, fiona):
    client.force_login(fiona)

    client.post(
        reverse("finance:rates"),
        {"currency": "USD", "valid_on": "2026-01-05", "rate": "7.1000"},
    )
    client.post(
        reverse("finance:rates_import"),
        {
            "rates": SimpleUploadedFile(
                "rates.csv", b"currency,valid_on,rate\nEUR,2026-01-05,7.80\n"
            )
        },
    )

    assert set(FxRate.objects.values_list("currency", flat=True)) == {"USD", "EUR"}


def test_a_broken_rates_file_is_refused_with_the_message(client, fiona):
    client.force_login(fiona)

    page = client.post(
        reverse("finance:rates_import"),
        {"rates": SimpleUploadedFile("rates.csv", b"code,day\nEUR,2026-01-05\n")},
        follow=True,
    )

    assert "The file needs the columns currency, valid_on and rate." in page.text
    assert FxRate.objects.count() == 0


def test_the_forecast_shows_a_chart_and_its_twelve_weeks(client, funded, fiona):
    client.force_login(fiona)

    page = client.get(reverse("finance:forecast"))

    assert page.text.count("<svg") == 1
    assert len(page.context["summary"]["weeks"]) == 12
    assert page.text.count('data-label="Week of"') == 12


def test_the_ledger_pages_by_keyset(client, funded, fiona, diana):
    for _ in range(55):
        top_up = top_up_propose(actor=fiona, amount=Decimal("1.00"))
        top_up_confirm(top_up_id=top_up.pk, actor=diana)
    client.force_login(fiona)

    first = client.get(reverse("finance:ledger"))
    older = client.get(
        reverse("finance:ledger"), {"before": first.context["next_before"]}
    )

    assert len(first.context["entries"]) == 50
    assert len(older.context["entries"]) == 6
    assert older.context["next_before"] is None


# The monthly report files are written by jobs: the file a job keeps is
# the report the synchronous export writes.


def _start(client, capture, name, month):
    with capture(execute=True):
        return client.post(reverse(name), {"month": month.strftime("%Y-%m")})


def test_the_csv_button_starts_a_job_that_keeps_the_report(
    client, paid_batch, fiona, django_capture_on_commit_callbacks
):
    month = clock.today().replace(day=1)
    client.force_login(fiona)

    response = _start(
        client, django_capture_on_commit_callbacks, "finance:report_csv", month
    )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("job", args=[job.pk])
    assert job.status == JobStatus.DONE
    assert bytes(job.result_file) == report_csv(monthly_report(month))
    assert job.result_file_name == f"finance-{month:%Y-%m}.csv"
    # One step per section: by reason, enterprise, currency, FX, pool.
    assert (job.progress_done, job.progress_total) == (5, 5)


def test_the_excel_button_keeps_the_same_sheets_and_rows(
    client, paid_batch, fiona, django_capture_on_commit_callbacks
):
    month = clock.today().replace(day=1)
    client.force_login(fiona)

    _start(client, django_capture_on_commit_callbacks, "finance:report_xlsx", month)

    kept = load_workbook(io.BytesIO(bytes(Job.objects.get().result_file)))
    written = load_workbook(io.BytesIO(report_xlsx(monthly_report(month))))
    assert kept.sheetnames == written.sheetnames
    for name in written.sheetnames:
        assert list(kept[name].iter_rows(values_only=True)) == list(
            written[name].iter_rows(values_only=True)
        )


def test_the_officer_downloads_the_file_and_the_director_cannot(
    client, paid_batch, fiona, diana, django_capture_on_commit_callbacks
):
    month = clock.today().replace(day=1)
    client.force_login(fiona)
    _start(client, django_capture_on_commit_callbacks, "finance:report_csv", month)
    path = reverse("job-file", args=[Job.objects.get().pk])

    mine = client.get(path)
    client.force_login(diana)
    theirs = client.get(path)

    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith("attachment;")
    assert theirs.status_code == 404


def test_a_bad_month_is_refused_on_the_reports_page(client, fiona):
    client.force_login(fiona)

    response = client.post(reverse("finance:report_csv"), {"month": "13/2026"})

    assert response.status_code == 302
    assert response["Location"] == reverse("finance:reports")
    assert not Job.objects.exists()


def test_the_reports_page_offers_post_forms(client, fiona):
    client.force_login(fiona)

    page = client.get(reverse("finance:reports"))

    for name in ("finance:report_csv", "finance:report_xlsx"):
        assert f'<form method="post" action="{reverse(name)}">' in page.text
