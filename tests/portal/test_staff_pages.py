import datetime

import pytest
from django.db import connection
from django.urls import reverse

from parkportal.core.models import Job, JobStatus
from refunds.models import ApprovalDelegation, AuditEvent, AuditSeal, State
from refunds.services.audit import audit_chain_verify
from refunds.services.lifecycle import refund_transition

pytestmark = pytest.mark.django_db


def test_the_case_owner_sees_exactly_the_steps_open_to_her(client, cases, olivia):
    refund = cases.under_review()
    client.force_login(olivia)

    page = client.get(reverse("refunds:case", args=[refund.pk]))

    steps = reverse("refunds:transition", args=[refund.pk, "x"]).rsplit("x/", 1)[0]
    assert f'{steps}request_info/"' in page.text
    assert f'{steps}forward/"' in page.text
    assert f'{steps}withdraw/"' not in page.text
    assert reverse("refunds:decide", args=[refund.pk]) not in page.text


def test_the_review_checklist_shows_documents_contract_and_payee(client, cases, olivia):
    # Not one of acme's verified accounts.
    refund = cases.under_review(payee_account="6222555566667777")
    client.force_login(olivia)

    page = client.get(reverse("refunds:case", args=[refund.pk]))

    assert "All required documents are present." in page.text
    assert "The contract can still return CNY 5,000,000.00." in page.text
    assert "The payee account is not a verified account" in page.text
    assert "Low" in page.text


def test_ops_requests_information_with_a_comment(client, cases, olivia):
    refund = cases.under_review()
    client.force_login(olivia)

    client.post(
        reverse("refunds:transition", args=[refund.pk, "request_info"]),
        {"comment": "Please send the stamped contract."},
    )

    refund.refresh_from_db()
    assert refund.state == State.INFO_REQUESTED


def test_an_internal_note_stays_away_from_the_enterprise(client, cases, olivia, alice):
    refund = cases.under_review()
    client.force_login(olivia)
    client.post(
        reverse("refunds:message", args=[refund.pk]),
        {"body": "Check the earlier deposit.", "internal": "on"},
    )

    client.force_login(alice)
    page = client.get(reverse("refunds:case", args=[refund.pk]))

    assert "Check the earlier deposit." not in page.text


def test_the_staff_list_filters_by_state(client, cases, olivia):
    draft = cases.draft()
    reviewed = cases.under_review()
    client.force_login(olivia)

    page = client.get(reverse("refunds:staff_list"), {"state": "under_review"})

    assert reviewed.reference in page.text
    assert draft.reference not in page.text


def test_the_inbox_shows_cases_waiting_at_my_level(client, cases, mark, diana):
    small = cases.pending_approval(amount="5000.00")
    large = cases.pending_approval(amount="500000.00")
    client.force_login(diana)

    page = client.get(reverse("refunds:approvals"))

    assert large.reference not in page.text
    assert small.reference not in page.text

    client.force_login(mark)
    page = client.get(reverse("refunds:approvals"))
    assert small.reference in page.text
    assert large.reference in page.text


def test_the_next_level_sees_what_the_earlier_one_decided(client, cases, mark, diana):
    refund = cases.pending_approval(amount="500000.00")
    refund_transition(
        refund_id=refund.pk,
        name="approve",
        actor=mark,
        amount="400000.00",
        comment="Only the deposit part is due.",
    )
    client.force_login(diana)

    page = client.get(reverse("refunds:approvals"))

    assert refund.reference in page.text
    assert "Only the deposit part is due." in page.text
    assert "CNY 400,000.00" in page.text


def test_the_manager_approves_from_the_inbox(client, cases, mark):
    refund = cases.pending_approval(amount="5000.00")
    client.force_login(mark)

    client.post(
        reverse("refunds:decide", args=[refund.pk]),
        {"decision": "approve", "next": reverse("refunds:approvals")},
    )

    refund.refresh_from_db()
    assert refund.state == State.APPROVED


def test_a_reduced_amount_without_reason_is_refused_on_the_page(client, cases, mark):
    refund = cases.pending_approval(amount="5000.00")
    client.force_login(mark)

    page = client.post(
        reverse("refunds:decide", args=[refund.pk]),
        {"decision": "approve", "amount": "100.00"},
        follow=True,
    )

    assert "Please give a reason for approving a reduced amount." in page.text
    refund.refresh_from_db()
    assert refund.state == State.PENDING_APPROVAL


def test_send_back_returns_the_case_to_review(client, cases, mark):
    refund = cases.pending_approval(amount="5000.00")
    client.force_login(mark)

    client.post(
        reverse("refunds:decide", args=[refund.pk]),
        {"decision": "send_back", "comment": "Invoice is unreadable."},
    )

    refund.refresh_from_db()
    assert refund.state == State.UNDER_REVIEW


def test_the_auditor_searches_cases_by_enterprise(client, cases, audrey):
    refund = cases.draft()
    client.force_login(audrey)

    page = client.get(reverse("refunds:audit_cases"), {"q": "Acme"})

    assert refund.reference in page.text


def test_the_auditor_reads_a_case_without_any_button(client, cases, audrey):
    refund = cases.under_review()
    client.force_login(audrey)

    page = client.get(reverse("refunds:case", args=[refund.pk]))

    assert page.status_code == 200
    assert "<button" not in page.text.split('id="main"', 1)[1]


def test_the_audit_trail_says_when_the_chain_was_never_verified(client, cases, audrey):
    refund = cases.under_review()
    client.force_login(audrey)

    page = client.get(reverse("refunds:audit_trail"), {"reference": refund.reference})

    assert "The chain has not been verified yet." in page.text
    assert "refund.submit" in page.text


def test_the_auditor_verifies_the_chain_from_the_trail_and_reads_the_result(
    client, cases, audrey, django_capture_on_commit_callbacks
):
    cases.under_review()
    client.force_login(audrey)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("refunds:audit_verify"))
    job = Job.objects.get()
    job_page = client.get(started.url)
    page = client.get(reverse("refunds:audit_trail"))

    assert started.url == reverse("job", args=[job.pk])
    assert job.status == JobStatus.DONE
    assert job.result_url == reverse("refunds:audit_trail")
    links = AuditSeal.objects.count()
    assert f"The chain holds: {links} links checked." in job_page.text
    assert "Intact: no event was changed or removed." in page.text
    assert "asked by audrey" in page.text


def test_the_audit_trail_reports_a_changed_event(
    client, cases, audrey, django_capture_on_commit_callbacks
):
    cases.under_review()
    client.force_login(audrey)
    # The first walk seals the chain; the change comes after it, made the
    # way only a database superuser could on PostgreSQL: with the
    # append-only trigger switched off for this session.
    audit_chain_verify()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        AuditEvent.objects.filter(action="refund.submit").update(actor_name="mallory")
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")

    unchanged = client.get(reverse("refunds:audit_trail"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("refunds:audit_verify"))
    page = client.get(reverse("refunds:audit_trail"))

    assert "Intact: no event was changed or removed." in unchanged.text
    assert "An event was changed after it was sealed." in page.text
    assert "nightly check" not in page.text


def test_a_decision_never_returns_to_another_site(client, cases, mark):
    refund = cases.pending_approval(amount="5000.00")
    client.force_login(mark)

    response = client.post(
        reverse("refunds:decide", args=[refund.pk]),
        {"decision": "approve", "next": "https://evil.example/phish"},
    )

    assert response.url == reverse("refunds:case", args=[refund.pk])


def test_a_substitute_sees_and_decides_the_approvers_cases(client, cases, mark, rita):
    refund = cases.pending_approval(amount="5000.00")
    ApprovalDelegation.objects.create(
        delegator=mark,
        delegate=rita,
        starts_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC),
    )
    client.force_login(rita)

    home = client.get(reverse("home"), follow=True)
    inbox = client.get(reverse("refunds:approvals"))
    client.post(reverse("refunds:decide", args=[refund.pk]), {"decision": "approve"})

    assert reverse("refunds:approvals") in home.text
    assert refund.reference in inbox.text
    refund.refresh_from_db()
    assert refund.state == State.APPROVED
    step = refund.approval_steps.get()
    assert (step.decided_by, step.on_behalf_of) == (rita, mark)


def test_staff_without_an_approval_level_find_an_empty_inbox(client, cases, olivia):
    refund = cases.pending_approval(amount="5000.00")
    client.force_login(olivia)

    inbox = client.get(reverse("refunds:approvals"))

    assert inbox.status_code == 200
    assert refund.reference not in inbox.text
