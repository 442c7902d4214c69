from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from finance import tasks
from finance.models import Earmark, EarmarkStatus, EntryKind, ReservePool
from finance.schedule import BEAT_SCHEDULE
from finance.services.pool import ledger_check, pool_lock, post_entry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = (
    "reservepool",
    "ledgerentry",
    "topup",
    "earmark",
    "fxrate",
    "disbursementbatch",
    "payment",
    "bankstatement",
    "statementline",
)


def test_every_finance_model_has_an_admin_list(client, funded_pool, cases, mark, pay):
    pay(cases.approved([mark], amount="60000.00"))
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    for model in MODELS:
        answer = client.get(reverse(f"admin:finance_{model}_changelist"))
        assert answer.status_code == 200, model


def test_the_ledger_cannot_be_edited_in_the_admin(client, funded_pool):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    answer = client.get(reverse("admin:finance_ledgerentry_add"))

    assert answer.status_code == 403


def test_the_sweep_earmarks_cases_left_waiting(pool, cases, mark, diana):
    refund = cases.approved([mark], amount="60000.00")
    # Money booked by a path that does not serve the queue itself.
    with transaction.atomic():
        post_entry(
            pool_lock(),
            kind=EntryKind.TOP_UP,
            actor=diana,
            balance_change=Decimal("60000.00"),
        )

    assert tasks.earmark_waiting_cases() == 1
    assert Earmark.objects.get(refund=refund).status == EarmarkStatus.HELD
    assert ledger_check()["consistent"]


def test_the_ledger_check_task_reports_a_mismatch(pool):
    assert tasks.check_pool_ledger() is True

    ReservePool.objects.filter(pk=pool.pk).update(balance=Decimal("1.00"))

    assert tasks.check_pool_ledger() is False


def test_a_notice_for_a_case_already_funded_is_not_sent(
    funded_pool, cases, mark, diana
):
    refund = cases.approved([mark], amount="60000.00")

    sent = tasks.notify_awaiting_funds(Earmark.objects.get(refund=refund).pk)

    assert sent == 0
    assert mail.outbox == []


def test_the_beat_schedule_names_existing_tasks():
    for entry in BEAT_SCHEDULE.values():
        module, name = entry["task"].rsplit(".", 1)
        assert module == "finance.tasks"
        assert hasattr(tasks, name)
