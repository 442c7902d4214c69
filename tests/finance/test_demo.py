import pytest

from finance import demo
from finance.models import FxRate, LedgerEntry, TopUp
from finance.services.pool import ledger_check

pytestmark = pytest.mark.django_db


def test_demo_seed_fills_a_year_of_top_ups_and_rates_once(fiona, diana, acme):
    users = {"finance": fiona, "director": diana}

    demo.seed(users=users, enterprises=[acme])
    demo.seed(users=users, enterprises=[acme])

    assert LedgerEntry.objects.filter(kind="top_up").count() == 12
    assert (
        TopUp.objects.filter(status="proposed", expected_on__isnull=False).count() == 1
    )
    assert set(FxRate.objects.values_list("currency", flat=True)) == {
        "USD",
        "EUR",
        "HKD",
        "JPY",
    }
    dates = LedgerEntry.objects.order_by("created_at").values_list(
        "created_at", flat=True
    )
    assert (dates.last() - dates.first()).days >= 300
    assert ledger_check()["consistent"]


def test_demo_cases_are_paid_through_a_batch_and_a_statement(
    fiona, diana, acme, cases, mark
):
    from refunds.models import RefundRequest, State

    users = {"finance": fiona, "director": diana}
    demo.seed(users=users, enterprises=[acme])
    paid = cases.approved([mark], amount="60000.00")
    failed = cases.approved([mark], amount="30000.00")

    demo.pay_cases(users=users, refund_ids=[paid.pk])
    demo.pay_cases(users=users, refund_ids=[failed.pk], settle="failed")

    assert RefundRequest.objects.get(pk=paid.pk).state == State.DISBURSED
    assert RefundRequest.objects.get(pk=failed.pk).state == State.DISBURSEMENT_FAILED
    assert ledger_check()["consistent"]
