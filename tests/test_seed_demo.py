"""manage.py seed_demo: the demo database a new user walks through."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from parkportal.accounts.models import Enterprise
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.demo import DEMO_PASSWORD, demo_usernames, seed_demo
from refunds.models import (
    AuditEvent,
    ChainVerification,
    Document,
    RefundRequest,
    State,
    TimelineEntry,
)
from refunds.services.audit import audit_verify

# Enough cases for one of every path through the lifecycle and a few more.
CASES = 30

ROLE_OF = {
    "enterprise": Role.ENTERPRISE,
    "enterprise2": Role.ENTERPRISE,
    "ops": Role.OPS_SPECIALIST,
    "ops2": Role.OPS_SPECIALIST,
    "manager": Role.OPS_MANAGER,
    "finance": Role.FINANCE_OFFICER,
    "director": Role.FINANCE_DIRECTOR,
    "committee": Role.COMMITTEE,
    "risk": Role.RISK_OFFICER,
    "auditor": Role.AUDITOR,
}
# refund_submit moves a case on to review in the same transaction, unless
# a screening receiver holds it: "submitted" is never where a case rests.
RESTING_STATES = set(State) - {State.SUBMITTED}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the module, inside a transaction rolled back at the
    end, so that the rest of the suite starts from an empty database."""
    with django_db_blocker.unblock(), transaction.atomic():
        seeded = seed_demo(debug=True, cases=CASES)
        yield seeded
        transaction.set_rollback(True)


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            get_user_model(),
            Enterprise,
            RefundRequest,
            Document,
            TimelineEntry,
            AuditEvent,
        )
    }


def test_seed_demo_refuses_when_debug_is_off_without_force(db, settings):
    # The refusals come first in the module: they need the empty database
    # that the module-wide demo fixture fills once it is first used.
    settings.DEBUG = False
    before = _counts()

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")

    assert _counts() == before


def test_seed_demo_refuses_a_database_where_a_demo_account_exists(db):
    get_user_model().objects.create_user(username="admin", password="own-secret")

    with pytest.raises(CommandError, match="admin exist already"):
        call_command("seed_demo", "--force")

    assert not Enterprise.objects.exists()


def test_demo_reaches_every_state_a_case_can_rest_in(demo, db):
    states = set(RefundRequest.objects.values_list("state", flat=True))

    assert states >= RESTING_STATES
    assert RefundRequest.objects.count() == CASES
    assert not demo.abandoned


def test_every_demo_account_signs_in_with_the_demo_password(demo, db):
    for username in demo_usernames():
        client = Client()

        assert client.login(username=username, password=DEMO_PASSWORD), username


def test_each_demo_account_holds_its_role(demo, db):
    users = {user.username: user for user in get_user_model().objects.all()}

    for username, role in ROLE_OF.items():
        assert has_role(users[username], role), username
    assert users["admin"].is_superuser and users["admin"].is_staff


def test_the_two_enterprise_accounts_belong_to_different_enterprises(demo, db):
    users = get_user_model().objects.filter(username__in=["enterprise", "enterprise2"])
    enterprises = {user.enterprise for user in users}

    assert len(enterprises) == 2
    assert sorted(e.green_channel for e in enterprises) == [False, True]
    for enterprise in enterprises:
        enterprise.full_clean()
        assert enterprise.bank_accounts.filter(verified_at__isnull=False).count() >= 2


def test_demo_history_spreads_over_the_last_year_and_never_ahead(demo, db):
    now = clock.now()
    created = RefundRequest.objects.values_list("created_at", flat=True)

    assert min(created) < now - datetime.timedelta(days=180)
    assert max(created) > now - datetime.timedelta(days=60)
    assert not TimelineEntry.objects.filter(created_at__gt=now).exists()


def test_each_demo_case_timeline_runs_forward_in_time(demo, db):
    for refund in RefundRequest.objects.all():
        moments = list(
            TimelineEntry.objects.filter(refund=refund)
            .order_by("id")
            .values_list("created_at", flat=True)
        )

        assert moments == sorted(moments), refund.reference
        assert moments[0] == refund.created_at


def test_demo_cases_carry_their_documents_and_a_sealed_audit_trail(demo, db):
    submitted = RefundRequest.objects.exclude(state__in=[State.DRAFT])

    assert all(refund.documents.exists() for refund in submitted)
    assert audit_verify().intact
    verification = ChainVerification.objects.get()
    assert verification.intact
    assert verification.requested_by.username == "auditor"


def test_seeding_again_changes_nothing(demo, db):
    before = _counts()

    call_command("seed_demo", "--force", "--cases", str(CASES))

    assert _counts() == before
