from decimal import Decimal

import pytest

from finance.models import (
    BatchStatus,
    Earmark,
    EarmarkStatus,
    EntryKind,
    LedgerEntry,
    Payment,
    PaymentStatus,
)
from finance.services.batches import (
    batch_authorise,
    batch_build,
    batch_cancel,
    batch_export,
)
from finance.services.pool import ledger_check
from finance.services.rates import fx_rate_set
from parkportal.core import clock
from parkportal.core.errors import Conflict, NotAllowed
from refunds.models import AuditEvent, RefundRequest, State

pytestmark = pytest.mark.django_db


def test_authorising_a_batch_moves_cases_to_disbursing_and_spends_earmarks(
    funded_pool, cases, mark, fiona, diana
):
    first = cases.approved([mark], amount="60000.00")
    second = cases.approved([mark], amount="40000.00")
    batch = batch_build(actor=fiona, refund_ids=[first.pk, second.pk])

    batch = batch_authorise(batch_id=batch.pk, actor=diana)

    assert batch.status == BatchStatus.AUTHORISED
    assert set(RefundRequest.objects.values_list("state", flat=True)) == {
        State.DISBURSING
    }
    assert set(Earmark.objects.values_list("status", flat=True)) == {
        EarmarkStatus.CONSUMED
    }
    funded_pool.refresh_from_db()
    assert (funded_pool.balance, funded_pool.earmarked) == (
        Decimal("900000.00"),
        Decimal("0.00"),
    )
    spent = LedgerEntry.objects.filter(kind=EntryKind.DISBURSEMENT)
    assert sorted(e.balance_change for e in spent) == [
        Decimal("-60000.00"),
        Decimal("-40000.00"),
    ]
    assert AuditEvent.objects.filter(action="finance.batch.authorise").count() == 1
    assert ledger_check()["consistent"]


def test_the_builder_of_a_batch_may_not_authorise_it(funded_pool, cases, mark, fiona):
    from parkportal.accounts.roles import Role
    from parkportal.accounts.services import user_grant_role

    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    user_grant_role(user=fiona, role=Role.FINANCE_DIRECTOR)

    with pytest.raises(NotAllowed) as refused:
        batch_authorise(batch_id=batch.pk, actor=fiona)

    assert refused.value.code == "four_eyes"
    assert RefundRequest.objects.get(pk=refund.pk).state == State.APPROVED


def test_an_officer_may_not_authorise_and_a_director_may_not_build(
    funded_pool, cases, mark, fiona, diana
):
    refund = cases.approved([mark], amount="60000.00")
    with pytest.raises(NotAllowed):
        batch_build(actor=diana, refund_ids=[refund.pk])
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])

    with pytest.raises(NotAllowed):
        batch_authorise(batch_id=batch.pk, actor=fiona)


def test_a_case_cannot_be_in_two_batches(funded_pool, cases, mark, fiona):
    refund = cases.approved([mark], amount="60000.00")
    batch_build(actor=fiona, refund_ids=[refund.pk])

    with pytest.raises(Conflict) as refused:
        batch_build(actor=fiona, refund_ids=[refund.pk])

    assert refused.value.code == "already_in_batch"


def test_a_cancelled_batch_frees_its_cases(funded_pool, cases, mark, fiona):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])

    batch_cancel(batch_id=batch.pk, actor=fiona, reason="Wrong date")
    again = batch_build(actor=fiona, refund_ids=[refund.pk])

    assert again.payments.get().attempt == 2


def test_a_case_awaiting_funds_cannot_be_batched(pool, cases, mark, fiona):
    refund = cases.approved([mark], amount="60000.00")

    with pytest.raises(Conflict) as refused:
        batch_build(actor=fiona, refund_ids=[refund.pk])

    assert refused.value.code == "awaiting_funds"


def test_a_batch_is_authorised_once(funded_pool, cases, mark, fiona, diana, carl):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    batch_authorise(batch_id=batch.pk, actor=diana)

    with pytest.raises(Conflict):
        batch_authorise(batch_id=batch.pk, actor=diana)

    assert LedgerEntry.objects.filter(kind=EntryKind.DISBURSEMENT).count() == 1


def test_payment_in_foreign_currency_keeps_both_rates_and_the_variance(
    funded_pool, usd_cases, mark, fiona, diana
):
    refund = usd_cases.approved([mark], amount="1000.00")
    assert refund.fx_rate_at_approval == Decimal("7.200000")
    fx_rate_set(actor=fiona, currency="USD", valid_on=clock.today(), rate="7.25")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])

    batch_authorise(batch_id=batch.pk, actor=diana)

    payment = Payment.objects.get(refund=refund)
    assert payment.rate_at_approval == Decimal("7.200000")
    assert payment.rate_at_payment == Decimal("7.250000")
    assert payment.amount_cny_at_payment == Decimal("7250.00")
    assert payment.fx_variance_cny == Decimal("50.00")
    funded_pool.refresh_from_db()
    assert funded_pool.balance == Decimal("992750.00")
    assert funded_pool.earmarked == Decimal("0.00")


def test_a_payee_changed_after_building_stops_the_authorisation(
    funded_pool, cases, mark, fiona, diana
):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    RefundRequest.objects.filter(pk=refund.pk).update(payee_account="6222000000000000")

    with pytest.raises(Conflict) as refused:
        batch_authorise(batch_id=batch.pk, actor=diana)

    assert refused.value.code == "payee_changed"
    assert Payment.objects.get(refund=refund).status == PaymentStatus.PLANNED


def test_only_an_authorised_batch_is_exported(funded_pool, cases, mark, fiona, diana):
    refund = cases.approved([mark], amount="60000.00")
    batch = batch_build(actor=fiona, refund_ids=[refund.pk])
    with pytest.raises(Conflict):
        batch_export(batch_id=batch.pk, actor=fiona, file_format="csv")
    batch_authorise(batch_id=batch.pk, actor=diana)

    content, media, name = batch_export(
        batch_id=batch.pk, actor=fiona, file_format="csv"
    )

    assert media == "text/csv"
    assert name == f"{batch.reference}.csv"
    assert f"{refund.reference}-1" in content.decode()
    assert "60000.00" in content.decode()


def test_paying_at_a_better_rate_serves_cases_waiting_for_funds(
    pool, cases, usd_cases, mark, fiona, diana
):
    from tests.finance.conftest import fund

    fund("100000.00", officer=fiona, director=diana)
    dollars = usd_cases.approved([mark], amount="10000.00")
    waiting = cases.approved([mark], amount="30000.00")
    assert Earmark.objects.get(refund=waiting).status == EarmarkStatus.AWAITING_FUNDS
    fx_rate_set(actor=fiona, currency="USD", valid_on=clock.today(), rate="6.90")
    batch = batch_build(actor=fiona, refund_ids=[dollars.pk])

    batch_authorise(batch_id=batch.pk, actor=diana)

    assert Earmark.objects.get(refund=waiting).status == EarmarkStatus.HELD
    pool.refresh_from_db()
    assert pool.available == Decimal("1000.00")
    assert ledger_check()["consistent"]
