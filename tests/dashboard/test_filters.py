"""Every figure family honours every filter, on a hand-built March.

March (tests/dashboard/conftest.py) has three Acme cases owned by olivia:
A (deposit) paid, B (overpayment) rejected, C (deposit) withdrawn. Here
Globex, on the green channel and invoicing in USD, adds G: a deposit of
USD 50,000 (CNY 355,000, above the foreign-currency exposure threshold,
so it is flagged but not held) received on the 3rd and forwarded on the
5th. A is closed and rated 4,
B draws a complaint, and B is handed to mark.
"""

from datetime import date
from decimal import Decimal

import pytest

from parkportal.core import clock
from parkportal.dashboard import selectors
from parkportal.dashboard.services import summaries_refresh
from refunds.services.lifecycle import refund_forward, refund_transition
from tests.conftest import CaseBuilder
from tests.dashboard.conftest import at
from tests.factories import PDF_BYTES, BankAccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


class GlobexCases(CaseBuilder):
    """Globex's own files: the same bytes as Acme's would be flagged as a
    document shared between enterprises, and held."""

    def draft(self, amount="50000.00", reason="deposit", **overrides):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from refunds.services.cases import refund_create
        from refunds.services.documents import document_upload

        refund = refund_create(
            applicant=self.applicant,
            contract=self.contract,
            reason=reason,
            description="Deposit returned at move-out",
            amount=Decimal(amount),
            currency=self.contract.currency,
            payee_name=self.applicant.enterprise.name,
            payee_bank="Industrial Bank Suzhou",
            **overrides,
        )
        for kind in ("contract", "invoice", "bank_proof"):
            document_upload(
                refund_id=refund.pk,
                actor=self.applicant,
                kind=kind,
                uploaded_file=SimpleUploadedFile(
                    f"{kind}.pdf",
                    PDF_BYTES + f"% globex {kind}\n".encode(),
                    content_type="application/pdf",
                ),
            )
        return refund


MARCH = (at(1, 0), at(1, 0, month=4))


@pytest.fixture
def park(
    march,
    settings,
    globex,
    gary,
    alice,
    olivia,
    mark,
    django_capture_on_commit_callbacks,
):
    from operations.services.feedback import complaint_file, rating_submit
    from refunds.models import RefundRequest

    settings.FX_RATE_PROVIDER = "tests.risk.rates.rate_to_cny"
    paid, rejected, withdrawn = march
    globex.green_channel = True
    globex.save(update_fields=["green_channel"])
    BankAccountFactory(
        enterprise=globex,
        account_number="6222000033334444",
        created_at=at(1, 0, month=1).replace(year=2024),
    )
    builder = GlobexCases(
        gary, ContractFactory(enterprise=globex, currency="USD"), olivia
    )
    with clock.travel(at(3)), django_capture_on_commit_callbacks(execute=True):
        flagged = builder.under_review(
            amount="50000.00", payee_account="6222000033334444"
        )
    with clock.travel(at(5)):
        refund_forward(refund_id=flagged.pk, actor=olivia)
    with clock.travel(at(8)):
        refund_transition(refund_id=paid.pk, name="close", actor=olivia)
        rating_submit(refund_id=paid.pk, actor=alice, score=4)
    with clock.travel(at(14)):
        complaint_file(refund_id=rejected.pk, actor=alice, body="Too slow")
    RefundRequest.objects.filter(pk=rejected.pk).update(owner=mark)
    return {"paid": paid, "rejected": rejected, "withdrawn": withdrawn, "G": flagged}


def _filters(request, **values) -> selectors.Filters:
    named = {"acme", "globex", "olivia", "mark"}
    return selectors.Filters(
        **{
            field: request.getfixturevalue(value).pk
            if isinstance(value, str) and value in named
            else value
            for field, value in values.items()
        }
    )


def _review(rows: list[dict]) -> dict:
    return next(row for row in rows if row["stage"] == "review")


@pytest.mark.parametrize(
    ("filters", "ended"),
    [
        ({}, 4),
        ({"enterprise_id": "globex"}, 1),
        ({"enterprise_id": "acme"}, 3),
        ({"reason": "overpayment"}, 1),
        ({"green_channel": True}, 1),
        ({"currency": "USD"}, 1),
        ({"currency": "CNY"}, 3),
        ({"owner_id": "mark"}, 1),
        ({"owner_id": "olivia"}, 3),
    ],
)
def test_sla_breaches_count_the_clocks_of_the_filtered_cases(
    park, request, filters, ended
):
    from operations.models import StageClock

    kept = _filters(request, **filters)
    clocks = StageClock.objects.filter(
        kept.case_q(), stage="review", ended_at__isnull=False
    )

    review = _review(selectors.sla_breaches(*MARCH, kept))

    assert review["ended"] == ended == clocks.count()
    assert review["breached"] == sum(c.ended_at > c.deadline for c in clocks)


def test_sla_overdue_now_follows_the_filters(park, request):
    """G waits in approval with its clock running; by May it is overdue."""
    may = (at(1, 0, month=5), at(1, 0, month=6))
    everyone = selectors.sla_breaches(*may)
    overdue = {row["stage"]: row["overdue_now"] for row in everyone}
    stage = next(name for name, count in overdue.items() if count)

    def overdue_in(**filters):
        rows = selectors.sla_breaches(*may, _filters(request, **filters))
        return next(row["overdue_now"] for row in rows if row["stage"] == stage)

    assert overdue[stage] == 1
    assert overdue_in(enterprise_id="globex") == 1
    assert overdue_in(enterprise_id="acme") == 0
    assert overdue_in(currency="CNY") == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {},
            {
                "closed": 1,
                "ratings": 1,
                "average_score": 4,
                "complaints": 1,
                "complaint_rate": 0.25,
            },
        ),
        (
            {"reason": "overpayment"},
            {
                "closed": 0,
                "ratings": 0,
                "average_score": None,
                "complaints": 1,
                "complaint_rate": 1.0,
            },
        ),
        (
            {"reason": "deposit"},
            {
                "closed": 1,
                "ratings": 1,
                "average_score": 4,
                "complaints": 0,
                "complaint_rate": 0.0,
            },
        ),
        (
            {"enterprise_id": "globex"},
            {
                "closed": 0,
                "ratings": 0,
                "average_score": None,
                "complaints": 0,
                "complaint_rate": 0.0,
            },
        ),
        (
            {"green_channel": False},
            {
                "closed": 1,
                "ratings": 1,
                "average_score": 4,
                "complaints": 1,
                "complaint_rate": round(1 / 3, 4),
            },
        ),
        (
            {"currency": "USD"},
            {
                "closed": 0,
                "ratings": 0,
                "average_score": None,
                "complaints": 0,
                "complaint_rate": 0.0,
            },
        ),
        (
            {"owner_id": "mark"},
            {
                "closed": 0,
                "ratings": 0,
                "average_score": None,
                "complaints": 1,
                "complaint_rate": 1.0,
            },
        ),
    ],
)
def test_satisfaction_and_complaints_follow_the_filters(
    park, request, filters, expected
):
    voice = selectors.voice_of_enterprises(*MARCH, _filters(request, **filters))

    assert {name: voice[name] for name in expected} == expected


@pytest.mark.parametrize(
    ("filters", "hits"),
    [
        ({}, 1),
        ({"enterprise_id": "globex"}, 1),
        ({"enterprise_id": "acme"}, 0),
        ({"reason": "deposit"}, 1),
        ({"reason": "overpayment"}, 0),
        ({"green_channel": True}, 1),
        ({"green_channel": False}, 0),
        ({"currency": "USD"}, 1),
        ({"currency": "CNY"}, 0),
        ({"owner_id": "olivia"}, 1),
        ({"owner_id": "mark"}, 0),
    ],
)
def test_risk_flags_count_hits_on_the_filtered_cases(park, request, filters, hits):
    rows = {
        row["rule"]: row
        for row in selectors.risk_flags(*MARCH, _filters(request, **filters))
    }

    assert rows["fx-exposure"]["hits"] == hits
    assert rows["fx-exposure"]["holds"] == 0
    if not hits:
        assert sum(row["hits"] for row in rows.values()) == 0


@pytest.mark.parametrize(
    ("filters", "olivia_row", "mark_row", "team"),
    [
        ({}, (1, 3), (0, 1), (1, 4)),
        ({"enterprise_id": "globex"}, (1, 1), None, (1, 1)),
        ({"enterprise_id": "acme"}, (0, 2), (0, 1), (0, 3)),
        ({"reason": "overpayment"}, None, (0, 1), (0, 1)),
        ({"green_channel": True}, (1, 1), None, (1, 1)),
        ({"currency": "CNY"}, (0, 2), (0, 1), (0, 3)),
        ({"owner_id": "mark"}, None, (0, 1), (0, 1)),
    ],
)
def test_workload_counts_the_filtered_cases(
    park, request, filters, olivia_row, mark_row, team
):
    """Rows are (open cases, reviews finished); None: no row at all."""
    load = selectors.workload(*MARCH, _filters(request, **filters))

    owners = {row["username"]: (row["open"], row["reviewed"]) for row in load["owners"]}
    assert owners.get("olivia") == olivia_row
    assert owners.get("mark") == mark_row
    assert (load["team"]["open"], load["team"]["reviewed"]) == team


def test_workload_sla_clocks_follow_the_filters(park, request):
    everyone = selectors.workload(*MARCH)
    globex = selectors.workload(*MARCH, _filters(request, enterprise_id="globex"))

    assert everyone["team"]["sla_ended"] == (
        sum(row["ended"] for row in selectors.sla_breaches(*MARCH))
    )
    assert globex["team"]["sla_ended"] == sum(
        row["ended"]
        for row in selectors.sla_breaches(
            *MARCH, _filters(request, enterprise_id="globex")
        )
    )
    assert 0 < globex["team"]["sla_ended"] < everyone["team"]["sla_ended"]


def test_complementary_filters_add_up_to_the_unfiltered_figures(park, request):
    """Every case is on the green channel or off it: the two filtered
    readings add up to the unfiltered one."""
    acme_and_globex = [
        _filters(request, green_channel=False),
        _filters(request, green_channel=True),
    ]
    everyone = selectors.voice_of_enterprises(*MARCH)
    parts = [selectors.voice_of_enterprises(*MARCH, f) for f in acme_and_globex]

    assert everyone["complaints"] == sum(part["complaints"] for part in parts)
    assert everyone["closed"] == sum(part["closed"] for part in parts)
    for family in (selectors.sla_breaches,):
        whole = {row["stage"]: row["ended"] for row in family(*MARCH)}
        split = [
            {row["stage"]: row["ended"] for row in family(*MARCH, f)}
            for f in acme_and_globex
        ]
        assert whole == {stage: split[0][stage] + split[1][stage] for stage in whole}


def test_monthly_summary_and_live_reading_agree_with_and_without_filters(park, request):
    """The summary keeps reason, currency and channel; enterprise and
    owner are read live. Both readings agree where they overlap."""
    summaries_refresh()
    first = date(2026, 2, 1)

    summary = selectors.monthly_trend(first, 3)
    summary_usd = selectors.monthly_trend(first, 3, _filters(request, currency="USD"))
    live_globex = selectors.monthly_trend(
        first, 3, _filters(request, enterprise_id="globex")
    )
    live_acme = selectors.monthly_trend(
        first, 3, _filters(request, enterprise_id="acme")
    )

    assert summary_usd == live_globex
    assert summary[1]["received"]["count"] == 4
    assert live_acme[1]["received"]["count"] == 3
    assert live_globex[1]["received"]["amount_cny"] == Decimal("355000.00")


# The same filters on the API, the exports and the page.

PERIOD = {"start": "2026-03-01", "end": "2026-04-01"}


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def _csv(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_figures_api_filters_every_family_but_the_pool(park, carl, globex):
    everyone = _api(carl).get("/api/v1/dashboard/figures/", PERIOD).data
    globex_only = (
        _api(carl)
        .get("/api/v1/dashboard/figures/", {**PERIOD, "enterprise": globex.pk})
        .data
    )

    assert _review(globex_only["sla"])["ended"] == 1
    assert _review(everyone["sla"])["ended"] == 4
    assert globex_only["voice"]["complaints"] == 0
    assert everyone["voice"]["complaints"] == 1
    flags = {row["rule"]: row["hits"] for row in globex_only["risk_flags"]}
    assert flags["fx-exposure"] == 1
    assert globex_only["pool"] == everyone["pool"]


def test_the_workload_api_takes_the_filters(park, carl, mark):
    load = (
        _api(carl).get("/api/v1/dashboard/workload/", {**PERIOD, "owner": mark.pk}).data
    )

    assert [row["username"] for row in load["owners"]] == ["mark"]
    assert load["team"]["reviewed"] == 1


@pytest.mark.parametrize(
    ("table", "query", "expected"),
    [
        ("sla", {"reason": "overpayment"}, ("review", "1")),
        ("sla", {}, ("review", "4")),
        ("owners", {"green_channel": "false"}, ("team", "0")),
        ("owners", {}, ("team", "1")),
        ("flags", {"currency": "CNY"}, ("fx-exposure", "0")),
        ("flags", {"currency": "USD"}, ("fx-exposure", "1")),
    ],
)
def test_exports_take_the_filters(park, carl, table, query, expected):
    """Second column: review clocks ended, the team's open cases, the
    rule's hits."""
    rows = _csv(
        _api(carl).get(f"/api/v1/dashboard/export/{table}.csv", {**PERIOD, **query})
    )

    assert [row[:2] for row in rows if row[0] == expected[0]] == [list(expected)]


def test_the_owner_export_counts_reviews_of_the_filtered_cases(park, carl, globex):
    rows = _csv(
        _api(carl).get(
            "/api/v1/dashboard/export/owners.csv", {**PERIOD, "enterprise": globex.pk}
        )
    )

    header = rows[0]
    assert [(row[0], row[header.index("reviewed")]) for row in rows[1:]] == [
        ("olivia", "1"),
        ("team", "1"),
    ]


def test_the_page_filters_every_table_but_the_pool(client, park, carl, acme, globex):
    from django.urls import reverse

    client.force_login(carl)

    everyone = client.get(reverse("dashboard"), PERIOD).context
    acme_only = client.get(reverse("dashboard"), {**PERIOD, "enterprise": acme.pk})
    globex_only = client.get(
        reverse("dashboard"), {**PERIOD, "enterprise": globex.pk}
    ).context

    assert _review(globex_only["sla"])["ended"] == 1
    assert globex_only["voice"]["complaints"] == 0
    assert globex_only["workload"]["team"]["reviewed"] == 1
    assert everyone["workload"]["team"]["reviewed"] == 4
    assert {row["rule"]: row["hits"] for row in globex_only["risk_flags"]}[
        "fx-exposure"
    ] == 1
    assert {row["rule"]: row["hits"] for row in acme_only.context["risk_flags"]}[
        "fx-exposure"
    ] == 0
    assert globex_only["pool"] == everyone["pool"]


def test_the_currency_filter_offers_the_configured_currencies(
    client, march, carl, settings
):
    from django.urls import reverse

    settings.SUPPORTED_CURRENCIES = ["CNY", "USD"]
    client.force_login(carl)

    page = client.get(reverse("dashboard"), {**PERIOD, "currency": "USD"})

    html = page.content.decode()
    assert '<select id="f-currency" name="currency">' in html
    assert '<option value="CNY">CNY</option>' in html
    assert '<option value="USD" selected>USD</option>' in html
    assert 'value="EUR"' not in html
    assert page.context["flows"][0]["now"]["count"] == 0


@pytest.mark.parametrize(
    ("language", "note"),
    [
        ("en", "The pool and its forecast are park-wide"),
        ("zh-hans", "应急池及其预测覆盖全园区"),
    ],
)
def test_the_page_says_the_pool_is_park_wide(client, march, carl, language, note):
    from django.urls import reverse

    client.force_login(carl)
    client.cookies["django_language"] = language

    page = client.get(reverse("dashboard"), PERIOD)

    assert note in page.content.decode()
