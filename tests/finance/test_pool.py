from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from finance.models import Earmark, EarmarkStatus, EntryKind, LedgerEntry, ReservePool
from finance.services.pool import earmark_release, ledger_check
from finance.services.top_ups import (
    top_up_confirm,
    top_up_propose,
    top_up_reject,
    top_up_reverse,
)
from parkportal.core.errors import Conflict, NotAllowed
from refunds.models import AuditEvent, State
from tests.finance.conftest import fund

pytestmark = pytest.mark.django_db


def test_final_approval_earmarks_the_approved_amount(funded_pool, cases, mark):
    refund = cases.approved([mark], amount="60000.00")

    funded_pool.refresh_from_db()
    earmark = Earmark.objects.get(refund=refund)
    assert refund.state == State.APPROVED
    assert earmark.status == EarmarkStatus.HELD
    assert earmark.amount_cny == Decimal("60000.00")
    assert funded_pool.earmarked == Decimal("60000.00")
    assert funded_pool.available == Decimal("940000.00")
    entry = LedgerEntry.objects.get(refund=refund)
    assert (entry.kind, entry.earmark_change) == (
        EntryKind.EARMARK,
        Decimal("60000.00"),
    )
    assert AuditEvent.objects.filter(
        action="finance.earmark.hold", refund=refund
    ).exists()


def test_approval_of_a_reduced_amount_earmarks_only_that(funded_pool, cases, mark):
    refund = cases.pending_approval(amount="80000.00")

    from refunds.services.lifecycle import refund_approve

    refund_approve(
        refund_id=refund.pk,
        actor=mark,
        amount=Decimal("30000.00"),
        comment="Partly used",
    )

    assert Earmark.objects.get(refund=refund).amount_cny == Decimal("30000.00")


def test_approval_without_cover_waits_and_tells_the_director(
    pool, cases, mark, diana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund = cases.approved([mark], amount="60000.00")

    pool.refresh_from_db()
    assert refund.state == State.APPROVED
    assert Earmark.objects.get(refund=refund).status == EarmarkStatus.AWAITING_FUNDS
    assert pool.earmarked == Decimal("0.00")
    assert not LedgerEntry.objects.filter(refund=refund).exists()
    # Operations also writes to the enterprise and the owner; the director
    # gets exactly one message about the missing cover.
    to_director = [m for m in mail.outbox if m.to == [diana.email]]
    assert len(to_director) == 1
    assert refund.reference in to_director[0].subject


def test_confirmed_top_up_earmarks_waiting_cases_oldest_first(
    pool, cases, mark, fiona, diana
):
    oldest = cases.approved([mark], amount="70000.00")
    middle = cases.approved([mark], amount="50000.00")
    youngest = cases.approved([mark], amount="20000.00")

    fund("75000.00", officer=fiona, director=diana)

    statuses = {e.refund_id: e.status for e in Earmark.objects.all()}
    assert statuses[oldest.pk] == EarmarkStatus.HELD
    assert statuses[middle.pk] == EarmarkStatus.AWAITING_FUNDS
    # Too large for what is left, the middle case waits; the younger one
    # that fits is served.
    assert statuses[youngest.pk] == EarmarkStatus.AWAITING_FUNDS
    pool.refresh_from_db()
    assert pool.available == Decimal("5000.00")

    fund("65000.00", officer=fiona, director=diana)

    assert set(Earmark.objects.values_list("status", flat=True)) == {EarmarkStatus.HELD}
    pool.refresh_from_db()
    assert pool.available == Decimal("0.00")


def test_the_proposer_of_a_top_up_may_not_confirm_it(pool, fiona, diana):
    top_up = top_up_propose(actor=diana_as_officer(diana), amount="1000.00")

    with pytest.raises(NotAllowed) as refused:
        top_up_confirm(top_up_id=top_up.pk, actor=diana)

    assert refused.value.code == "four_eyes"
    pool.refresh_from_db()
    assert pool.balance == Decimal("0.00")


def diana_as_officer(diana):
    from parkportal.accounts.roles import Role
    from parkportal.accounts.services import user_grant_role

    user_grant_role(user=diana, role=Role.FINANCE_OFFICER)
    return diana


def test_only_the_director_confirms_and_only_an_officer_proposes(
    pool, fiona, diana, mark
):
    with pytest.raises(NotAllowed):
        top_up_propose(actor=mark, amount="1000.00")
    top_up = top_up_propose(actor=fiona, amount="1000.00")

    with pytest.raises(NotAllowed):
        top_up_confirm(top_up_id=top_up.pk, actor=fiona)


def test_a_top_up_is_confirmed_once(pool, fiona, diana, carl):
    top_up = top_up_propose(actor=fiona, amount="1000.00")
    top_up_confirm(top_up_id=top_up.pk, actor=diana)

    with pytest.raises(Conflict):
        top_up_confirm(top_up_id=top_up.pk, actor=diana)

    pool.refresh_from_db()
    assert pool.balance == Decimal("1000.00")


def test_a_rejected_top_up_moves_no_money(pool, fiona, diana):
    top_up = top_up_propose(actor=fiona, amount="1000.00")

    top_up_reject(top_up_id=top_up.pk, actor=diana, reason="Wrong account")

    pool.refresh_from_db()
    assert pool.balance == Decimal("0.00")
    assert not LedgerEntry.objects.exists()


def test_reversing_a_top_up_is_a_new_entry_and_happens_once(pool, fiona, diana):
    fund("1000.00", officer=fiona, director=diana)
    entry = LedgerEntry.objects.get(kind=EntryKind.TOP_UP)

    reversal = top_up_reverse(entry_id=entry.pk, actor=diana, reason="Booked twice")

    assert reversal.balance_change == Decimal("-1000.00")
    assert reversal.reverses == entry
    with pytest.raises(Conflict):
        top_up_reverse(entry_id=entry.pk, actor=diana, reason="Again")
    pool.refresh_from_db()
    assert pool.balance == Decimal("0.00")
    assert LedgerEntry.objects.count() == 2


def test_reversing_a_top_up_cannot_take_earmarked_money(
    funded_pool, cases, mark, diana
):
    cases.approved([mark], amount="60000.00")
    entry = LedgerEntry.objects.get(kind=EntryKind.TOP_UP)

    with pytest.raises(Conflict) as refused:
        top_up_reverse(entry_id=entry.pk, actor=diana, reason="Booked twice")

    assert refused.value.code == "pool_insufficient"
    funded_pool.refresh_from_db()
    assert funded_pool.balance == Decimal("1000000.00")


def test_releasing_an_earmark_frees_it_for_waiting_cases(
    pool, cases, mark, fiona, diana
):
    fund("60000.00", officer=fiona, director=diana)
    first = cases.approved([mark], amount="60000.00")
    waiting = cases.approved([mark], amount="40000.00")

    from django.db import transaction

    with transaction.atomic():
        earmark_release(refund=first, actor=diana, reason="Case withdrawn by ruling")

    assert Earmark.objects.get(refund=first).status == EarmarkStatus.RELEASED
    assert Earmark.objects.get(refund=waiting).status == EarmarkStatus.HELD
    assert ledger_check()["consistent"]


def test_watermark_alert_is_sent_once_per_crossing(
    pool, cases, mark, fiona, diana, django_capture_on_commit_callbacks
):
    pool.low_watermark = Decimal("50000.00")
    pool.save()
    fund("100000.00", officer=fiona, director=diana)

    with django_capture_on_commit_callbacks(execute=True):
        cases.approved([mark], amount="30000.00")
        cases.approved([mark], amount="30000.00")
        cases.approved([mark], amount="10000.00")

    alerts = [m for m in mail.outbox if "watermark" in m.subject]
    assert len(alerts) == 1
    assert set(alerts[0].to) == {fiona.email, diana.email}
    assert ReservePool.objects.get(pk=pool.pk).below_watermark

    with django_capture_on_commit_callbacks(execute=True):
        fund("100000.00", officer=fiona, director=diana)
        cases.approved([mark], amount="90000.00")

    assert len([m for m in mail.outbox if "watermark" in m.subject]) == 2


def test_ledger_check_finds_a_stored_balance_changed_behind_its_back(funded_pool):
    assert ledger_check()["consistent"]
    call_command("check_pool_ledger")

    ReservePool.objects.filter(pk=funded_pool.pk).update(balance=Decimal("5.00"))

    report = ledger_check()
    assert not report["consistent"]
    assert "balance" in report["pools"][0]["problems"]
    with pytest.raises(CommandError):
        call_command("check_pool_ledger")
