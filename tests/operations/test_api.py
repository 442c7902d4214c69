import datetime

import pytest
from django.utils.timezone import localtime
from rest_framework.test import APIClient

from operations.models import Notification
from parkportal.core import clock
from refunds.models.case import NO_DEADLINE
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db

BASE = "/api/v1/operations"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_queue_pages_by_deadline_with_a_cursor(cases, olivia):
    with clock.travel(at(2025, 6, 9, 9, 0)):
        first = cases.under_review()
    with clock.travel(at(2025, 6, 10, 9, 0)):
        second = cases.under_review()
        third = cases.under_review()

    page = client_for(olivia).get(f"{BASE}/queues/mine/", {"page_size": 2}).json()
    rest = client_for(olivia).get(page["next"]).json()

    assert [row["reference"] for row in page["results"]] == [
        first.reference,
        second.reference,
    ]
    assert [row["reference"] for row in rest["results"]] == [third.reference]
    assert page["results"][0]["next_deadline"].startswith("2025-06-10T18:00:00+08:00")


def test_a_queue_row_shows_the_case_as_the_park_reads_it(cases, olivia):
    olivia.first_name, olivia.last_name = "Olivia", "Chen"
    olivia.save()
    with clock.travel(at(2025, 6, 9, 9, 30)):
        refund = cases.under_review(amount="1234.5")
    refund.refresh_from_db()

    row = client_for(olivia).get(f"{BASE}/queues/mine/").json()["results"][0]

    assert row == {
        "id": refund.pk,
        "reference": refund.reference,
        "state": "under_review",
        "enterprise": refund.enterprise.name,
        "green_channel": False,
        "amount": "1234.50",
        "currency": "CNY",
        "risk_level": refund.risk_level,
        "owner": "Olivia Chen",
        "submitted_at": "2025-06-09T09:30:00+08:00",
        "next_deadline": localtime(refund.next_deadline).isoformat(),
    }
    assert row["next_deadline"].endswith("+08:00")


def test_a_queue_row_without_a_running_clock_has_no_deadline(cases, olivia):
    refund = cases.under_review()
    type(refund).objects.filter(pk=refund.pk).update(next_deadline=NO_DEADLINE)

    row = client_for(olivia).get(f"{BASE}/queues/mine/").json()["results"][0]

    assert row["reference"] == refund.reference
    assert row["next_deadline"] is None


def test_the_unassigned_queue_shows_no_owner(cases, olivia):
    refund = cases.under_review()
    type(refund).objects.filter(pk=refund.pk).update(owner=None)

    rows = client_for(olivia).get(f"{BASE}/queues/unassigned/").json()["results"]

    assert [(row["reference"], row["owner"]) for row in rows] == [
        (refund.reference, "")
    ]


def test_queue_refuses_an_unknown_state_filter(olivia):
    response = client_for(olivia).get(f"{BASE}/queues/team/", {"state": "lost"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_queue_counts_and_reassignment(cases, olivia, oscar, mark):
    refund = cases.under_review()
    owner, other = (olivia, oscar) if refund.owner == olivia else (oscar, olivia)

    counts = client_for(owner).get(f"{BASE}/queues/counts/").json()
    response = client_for(mark).post(
        f"{BASE}/cases/reassign/",
        {"refunds": [refund.pk], "owner": other.pk, "reason": "Sick leave"},
    )

    assert counts == {"mine": 1, "team": 1, "unassigned": 0}
    assert response.status_code == 200
    assert response.json() == {"reassigned": [refund.pk]}
    forbidden = client_for(owner).post(
        f"{BASE}/cases/reassign/",
        {"refunds": [refund.pk], "owner": owner.pk, "reason": "Mine"},
    )
    assert forbidden.status_code == 403


def test_the_sla_panel_is_visible_to_staff_and_the_own_enterprise_only(
    cases, olivia, alice, gary
):
    refund = cases.under_review()

    panel = client_for(alice).get(f"{BASE}/cases/{refund.pk}/sla/")

    assert panel.status_code == 200
    assert panel.json()["stages"][0]["stage"] == "review"
    assert panel.json()["total"]["status"] == "running"
    assert client_for(gary).get(f"{BASE}/cases/{refund.pk}/sla/").status_code == 404


def test_inbox_lists_counts_and_marks_read(cases, olivia):
    cases.under_review()
    client = client_for(olivia)

    inbox = client.get(f"{BASE}/inbox/", HTTP_ACCEPT_LANGUAGE="en").json()
    unread = client.get(f"{BASE}/inbox/unread/").json()
    marked = client.post(f"{BASE}/inbox/read/", {}).json()

    assert inbox["results"][0]["kind"] == "assigned"
    assert "assigned to you" in inbox["results"][0]["subject"]
    assert unread == {"unread": 1}
    assert marked == {"marked": 1, "unread": 0}
    assert Notification.objects.get(recipient=olivia).read_at is not None


def test_rating_and_complaint_through_the_api(cases, close_case, alice, mark):
    refund = close_case(cases)
    client = client_for(alice)

    rated = client.post(
        f"{BASE}/cases/{refund.pk}/rating/",
        {"score": 5, "comment": "Fast"},
        HTTP_IDEMPOTENCY_KEY="rate-1",
    )
    again = client.post(f"{BASE}/cases/{refund.pk}/rating/", {"score": 1})
    complained = client.post(f"{BASE}/cases/{refund.pk}/complaints/", {"body": "Late"})
    listed = client_for(mark).get(f"{BASE}/complaints/", {"status": "open"}).json()
    resolved = client_for(mark).post(
        f"{BASE}/complaints/{complained.json()['id']}/resolve/",
        {"resolution": "Apologised"},
    )

    assert rated.status_code == 201
    assert again.status_code == 409
    assert complained.status_code == 201
    assert [row["body"] for row in listed["results"]] == ["Late"]
    assert resolved.json()["status"] == "resolved"


def test_digests_are_readable_by_finance_and_operations(db, fiona, alice):
    from operations.services.digest import digest_prepare

    digest = digest_prepare()

    listed = client_for(fiona).get(f"{BASE}/digests/").json()
    detail = client_for(fiona).get(f"{BASE}/digests/{digest.pk}/").json()

    assert [row["id"] for row in listed["results"]] == [digest.pk]
    assert set(detail["content"]) >= {"overdue", "waiting_on_finance", "pool_status"}
    assert client_for(alice).get(f"{BASE}/digests/").status_code == 403


def test_an_approver_sets_and_ends_a_delegation(mark, oscar):
    now = clock.now()
    client = client_for(mark)

    created = client.post(
        f"{BASE}/delegations/",
        {
            "delegate": oscar.pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + datetime.timedelta(days=3)).isoformat(),
            "reason": "Trip",
        },
    )
    listed = client_for(oscar).get(f"{BASE}/delegations/").json()
    ended = client.post(f"{BASE}/delegations/{created.json()['id']}/end/")
    to_self = client.post(
        f"{BASE}/delegations/",
        {
            "delegate": mark.pk,
            "starts_at": now.isoformat(),
            "ends_at": (now + datetime.timedelta(days=3)).isoformat(),
        },
    )

    assert created.status_code == 201
    assert created.json()["delegator"] == mark.pk
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]
    assert ended.status_code == 200
    assert to_self.status_code == 400
    assert to_self.json()["code"] == "delegate_is_self"


def test_satisfaction_figures_are_for_staff(cases, close_case, alice, mark):
    from operations.services.feedback import rating_submit

    rating_submit(refund_id=close_case(cases).pk, actor=alice, score=4)

    figures = client_for(mark).get(f"{BASE}/satisfaction/").json()

    assert figures["ratings"] == 1
    assert figures["average_score"] == "4.00"
    assert client_for(alice).get(f"{BASE}/satisfaction/").status_code == 403


def test_the_queue_api_applies_every_filter_to_its_rows(cases, olivia):
    small = cases.under_review(amount="5000.00")
    large = cases.under_review(amount="300000.00")
    type(large).objects.filter(pk=large.pk).update(risk_level="high")
    client = client_for(olivia)

    def references(**params):
        rows = client.get(f"{BASE}/queues/team/", params).json()["results"]
        return {row["reference"] for row in rows}

    assert references(amount_min="10000") == {large.reference}
    assert references(amount_max="10000") == {small.reference}
    assert references(risk_level="high") == {large.reference}
    assert references(green_channel="false") == {small.reference, large.reference}
    assert references(green_channel="true") == set()
    assert references(state="info_requested,closed") == set()
