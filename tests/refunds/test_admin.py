"""The Django admin: every model has a page, the trail cannot be edited,
and steps taken as admin actions go through the lifecycle services."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse

from parkportal.accounts.roles import Role
from parkportal.accounts.services import user_grant_role
from refunds.models import ApprovalThreshold, AuditEvent, AuditSeal, State
from refunds.services.audit import audit_seal_pending
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:refunds_refundrequest_changelist"
OUR_APPS = {"accounts", "core", "refunds"}
READ_ONLY = (AuditEvent, AuditSeal)


@pytest.fixture
def root(db):
    """A superuser who also works as operations manager."""
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    user_grant_role(user=user, role=Role.OPS_MANAGER)
    return user


@pytest.fixture
def browser(client, root):
    client.force_login(root)
    return client


def _act(browser, refund, action, **form):
    data = {"action": action, ACTION_CHECKBOX_NAME: [refund.pk], **form}
    return browser.post(reverse(CHANGELIST), data, follow=False)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_every_model_of_accounts_core_and_refunds_is_in_the_admin():
    from django.apps import apps

    registered = set(admin.site._registry)
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            assert model in registered, model


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.app_label in OUR_APPS],
    ids=lambda model: model._meta.label,
)
def test_every_changelist_renders_with_data(browser, cases, mark, model):
    cases.approved([mark])
    audit_seal_pending()
    opts = model._meta

    response = browser.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "a"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_the_audit_trail_cannot_be_added_changed_or_deleted(browser, cases, model):
    cases.draft()
    audit_seal_pending()
    row = model.objects.first()
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}"

    add = browser.get(reverse(f"{name}_add"))
    change = browser.post(reverse(f"{name}_change", args=[row.pk]), {})
    delete = browser.post(reverse(f"{name}_delete", args=[row.pk]), {"post": "yes"})
    view = browser.get(reverse(f"{name}_change", args=[row.pk]))

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert view.status_code == 200
    assert model.objects.filter(pk=row.pk).exists()


def test_a_case_cannot_be_edited_in_the_admin(browser, cases):
    refund = cases.draft()

    response = browser.post(
        reverse("admin:refunds_refundrequest_change", args=[refund.pk]),
        {"amount": "1.00"},
    )

    assert response.status_code == 403
    refund.refresh_from_db()
    assert refund.amount == Decimal("50000.00")


def test_forward_as_an_admin_action(browser, cases):
    refund = cases.under_review()

    response = _act(browser, refund, "take_forward")

    refund.refresh_from_db()
    assert response.status_code == 302
    assert refund.state == State.PENDING_APPROVAL
    assert _messages(response) == [
        f"Forward for approval: done for {refund.reference}."
    ]
    assert AuditEvent.objects.filter(
        refund=refund, action="refund.forward", actor_name="root"
    ).exists()


def test_approve_asks_for_an_amount_and_a_reason_first(browser, cases):
    refund = cases.pending_approval(amount="80000.00")

    form = _act(browser, refund, "take_approve")
    done = _act(
        browser,
        refund,
        "take_approve",
        apply="1",
        amount="70000.00",
        comment="Repairs deducted",
    )

    refund.refresh_from_db()
    assert form.status_code == 200
    assert b'name="amount"' in form.content
    assert refund.reference.encode() in form.content
    assert done.status_code == 302
    assert refund.state == State.APPROVED
    assert refund.approved_amount == Decimal("70000.00")


def test_reject_without_a_reason_is_refused_with_a_message(browser, cases):
    refund = cases.pending_approval()

    response = _act(browser, refund, "take_reject", apply="1", comment="")

    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL
    assert _messages(response) == [f"{refund.reference}: Please give a reason."]


def test_an_admin_action_keeps_the_separation_of_duties(client, alice, acme_contract):
    from tests.conftest import CaseBuilder

    owner = UserFactory(username="oscar", is_staff=True, is_superuser=True)
    user_grant_role(user=owner, role=Role.OPS_MANAGER)
    refund = CaseBuilder(alice, acme_contract, owner=owner).pending_approval()
    client.force_login(owner)

    response = _act(client, refund, "take_approve", apply="1", comment="")

    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL
    assert _messages(response) == [
        f"{refund.reference}: Nobody may approve a case they own."
    ]


def test_a_step_the_admin_role_may_not_take_is_refused(browser, cases):
    refund = cases.under_review()

    response = _act(browser, refund, "take_hold", apply="1", comment="Looks odd")

    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW
    assert _messages(response) == [f"{refund.reference}: Your role may not do this."]


def test_a_change_of_the_approval_policy_is_audited(browser):
    threshold = ApprovalThreshold.objects.get(level="finance_director")

    response = browser.post(
        reverse("admin:refunds_approvalthreshold_change", args=[threshold.pk]),
        {
            "level": "finance_director",
            "position": threshold.position,
            "min_amount_cny": "200000.00",
            "active": "on",
        },
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(action="approvalthreshold.change")
    assert event.actor_name == "root"
    assert event.before == {"min_amount_cny": "100000.00"}
    assert event.after == {"min_amount_cny": "200000.00"}
