"""The operations pages: queues with filters and reassignment, the SLA
panel on the staff case page, the notifications inbox, rating and
complaints on the enterprise case page, and approver delegations."""

import datetime

import pytest
from django.urls import reverse

from operations.models import Complaint, Notification, Rating
from parkportal.accounts.roles import Role
from parkportal.core import clock
from refunds.models import ApprovalDelegation, AuditEvent, RefundRequest
from refunds.services.lifecycle import refund_transition
from tests.conftest import CaseBuilder
from tests.factories import ContractFactory, EnterpriseFactory, UserFactory
from tests.payments import bank_statement, fund_pool, send_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def oscar(db):
    """Second operations specialist."""
    return UserFactory(username="oscar", role=Role.OPS_SPECIALIST)


@pytest.fixture
def close_case(mark, diana, fiona):
    """Walks a case to closed with the real services, paid through a batch
    and the bank's statement."""

    def close(builder):
        fund_pool("5000000.00", officer=fiona, director=diana)
        refund = builder.approved([mark])
        refund = send_payment(refund, officer=fiona, director=diana)
        refund = bank_statement(refund, officer=fiona)
        return refund_transition(refund_id=refund.pk, name="close", actor=refund.owner)

    return close


@pytest.fixture
def vip_cases(olivia):
    """Cases of a green-channel enterprise, owned by Olivia."""
    vip = EnterpriseFactory(name="Initech Semiconductors", green_channel=True)
    vince = UserFactory(username="vince", enterprise=vip, role=Role.ENTERPRISE)
    return CaseBuilder(vince, ContractFactory(enterprise=vip), olivia)


def queue_url(name="mine"):
    return reverse("operations:queue", args=[name])


# Queues


def test_the_specialist_sees_her_queue_with_counts(client, cases, olivia):
    refund = cases.under_review()
    client.force_login(olivia)

    page = client.get(queue_url("mine"))

    assert page.status_code == 200
    assert refund.reference in page.text
    assert "My cases" in page.text and "Unassigned" in page.text
    assert page.context["queues"][0]["count"] == 1
    # Reassigning is a manager's: no selection boxes for a specialist.
    assert 'name="refunds"' not in page.text


@pytest.mark.parametrize("who", ["alice", "fiona", "audrey", "rita"])
def test_the_queues_are_refused_to_everyone_but_operations(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(queue_url("team")).status_code == 403


def test_the_queue_page_asks_an_anonymous_visitor_to_sign_in(client):
    page = client.get(queue_url())

    assert page.status_code == 302
    assert reverse("login") in page["Location"]


def test_the_queue_filters_by_amount_risk_and_state(client, cases, olivia):
    small = cases.under_review(amount="20000.00")
    large = cases.under_review(amount="300000.00")
    RefundRequest.objects.filter(pk=large.pk).update(risk_level="high")
    client.force_login(olivia)

    by_amount = client.get(queue_url("team"), {"amount_min": "100000"})
    by_risk = client.get(queue_url("team"), {"risk_level": "low"})
    by_state = client.get(queue_url("team"), {"state": "pending_approval"})

    assert [r.pk for r in by_amount.context["rows"]] == [large.pk]
    assert [r.pk for r in by_risk.context["rows"]] == [small.pk]
    assert by_state.context["rows"] == []


def test_overdue_cases_are_filtered_and_marked(client, cases, olivia):
    with clock.travel(clock.now() - datetime.timedelta(days=30)):
        late = cases.under_review()
    fresh = cases.under_review()
    client.force_login(olivia)

    overdue = client.get(queue_url("team"), {"deadline": "overdue"})
    everything = client.get(queue_url("team"))

    assert [r.pk for r in overdue.context["rows"]] == [late.pk]
    assert "queue-row--overdue" in overdue.text
    # Nearest deadline first: the late case leads.
    assert [r.pk for r in everything.context["rows"]] == [late.pk, fresh.pk]


def test_the_queue_pages_by_deadline_without_repeating_a_case(
    client, cases, olivia, monkeypatch
):
    monkeypatch.setattr("operations.views.PAGE_SIZE", 2)
    made = [cases.under_review(amount=f"{1000 + n}.00") for n in range(3)]
    client.force_login(olivia)

    first = client.get(queue_url("team"))
    second = client.get(f"{queue_url('team')}?{first.context['next_query']}")

    seen = [r.pk for r in first.context["rows"]] + [
        r.pk for r in second.context["rows"]
    ]
    assert sorted(seen) == sorted(refund.pk for refund in made)
    assert second.context["next_query"] == ""


# Reassignment


def test_the_manager_reassigns_selected_cases_with_a_reason(
    client, cases, mark, olivia, oscar
):
    one, two = cases.under_review(), cases.under_review()
    # Both with Olivia, whoever the assignment picked.
    RefundRequest.objects.filter(pk__in=[one.pk, two.pk]).update(owner=olivia)
    client.force_login(mark)
    assert 'name="refunds"' in client.get(queue_url("team")).text

    page = client.post(
        reverse("operations:reassign"),
        {
            "refunds": [one.pk, two.pk],
            "owner": oscar.pk,
            "reason": "Olivia is on leave",
            "next": queue_url("team"),
        },
        follow=True,
    )

    assert "2 cases given to oscar." in page.text
    assert set(
        RefundRequest.objects.filter(pk__in=[one.pk, two.pk]).values_list(
            "owner", flat=True
        )
    ) == {oscar.pk}


def test_reassigning_without_a_reason_or_a_case_changes_nothing(
    client, cases, mark, olivia, oscar
):
    refund = cases.under_review()
    client.force_login(mark)

    no_reason = client.post(
        reverse("operations:reassign"),
        {"refunds": [refund.pk], "owner": oscar.pk, "reason": ""},
        follow=True,
    )
    no_case = client.post(
        reverse("operations:reassign"),
        {"owner": oscar.pk, "reason": "Leave"},
        follow=True,
    )

    assert "This field is required." in no_reason.text
    assert "Choose at least one case." in no_case.text
    refund.refresh_from_db()
    assert refund.owner == olivia


def test_reassigning_returns_only_to_a_page_of_this_site(
    client, cases, mark, olivia, oscar
):
    refund = cases.under_review()
    client.force_login(mark)

    page = client.post(
        reverse("operations:reassign"),
        {
            "refunds": [refund.pk],
            "owner": oscar.pk,
            "reason": "Leave",
            "next": "//evil.example/",
        },
    )

    assert page["Location"] == queue_url("team")


def test_the_queue_filters_by_channel(client, cases, olivia, vip_cases):
    regular = cases.under_review()
    green = vip_cases.under_review()
    client.force_login(olivia)

    only_green = client.get(queue_url("team"), {"green_channel": "yes"})
    only_regular = client.get(queue_url("team"), {"green_channel": "no"})

    assert [r.pk for r in only_green.context["rows"]] == [green.pk]
    assert [r.pk for r in only_regular.context["rows"]] == [regular.pk]


def test_the_queue_page_reads_in_chinese(client, cases, olivia):
    cases.under_review()
    client.force_login(olivia)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    page = client.get(queue_url("team"))

    assert "运营工作台" in page.text
    assert "Operations workspace" not in page.text


def test_a_specialist_cannot_reassign(client, cases, olivia, oscar):
    refund = cases.under_review()
    client.force_login(olivia)

    page = client.post(
        reverse("operations:reassign"),
        {"refunds": [refund.pk], "owner": oscar.pk, "reason": "Mine now"},
    )

    assert page.status_code == 403
    refund.refresh_from_db()
    assert refund.owner == olivia


# SLA panel


def test_the_staff_case_page_shows_each_stage_deadline_and_the_total(
    client, cases, olivia
):
    refund = cases.under_review()
    client.force_login(olivia)

    page = client.get(reverse("refunds:case", args=[refund.pk]))

    panel = page.text.split('id="sla-title"', 1)[1].split("</section>", 1)[0]
    assert "Deadlines" in panel
    assert "Review" in panel
    assert "Whole case" in panel
    assert panel.count("min left") == 2


def test_the_enterprise_case_page_has_no_sla_panel(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)

    page = client.get(reverse("refunds:case", args=[refund.pk]))

    assert page.status_code == 200
    assert "Whole case" not in page.text


# Notifications


def test_the_inbox_lists_notifications_and_the_header_counts_unread(
    client, cases, alice
):
    cases.under_review()
    unread = Notification.objects.filter(recipient=alice, read_at__isnull=True)
    assert unread.exists()
    client.force_login(alice)

    page = client.get(reverse("operations:inbox"))

    assert page.status_code == 200
    assert len(page.context["rows"]) == unread.count()
    assert f"{unread.count()} unread" in page.text


def test_marking_one_notification_read_leaves_the_others(client, cases, alice):
    cases.under_review()
    cases.under_review()
    first, *others = Notification.objects.filter(recipient=alice)
    client.force_login(alice)

    client.post(reverse("operations:inbox_read"), {"ids": [first.pk]})

    first.refresh_from_db()
    assert first.read_at is not None
    assert all(
        n.read_at is None
        for n in Notification.objects.filter(pk__in=[o.pk for o in others])
    )


def test_mark_all_read_clears_the_count(client, cases, alice):
    cases.under_review()
    client.force_login(alice)

    page = client.post(reverse("operations:inbox_read"), follow=True)

    assert not Notification.objects.filter(recipient=alice, read_at=None).exists()
    assert "unread" not in page.text


def test_the_inbox_shows_only_my_own_notifications(client, cases, gary):
    cases.under_review()
    client.force_login(gary)

    page = client.get(reverse("operations:inbox"))

    assert page.context["rows"] == []


# Rating and complaints


def test_the_enterprise_rates_a_closed_case_once(client, cases, close_case, alice):
    refund = close_case(cases)
    client.force_login(alice)
    case_page = client.get(reverse("refunds:case", args=[refund.pk]))
    assert reverse("operations:rate", args=[refund.pk]) in case_page.text

    client.post(
        reverse("operations:rate", args=[refund.pk]),
        {"score": "4", "comment": "Quick and clear"},
    )
    again = client.post(
        reverse("operations:rate", args=[refund.pk]), {"score": "1"}, follow=True
    )

    rating = Rating.objects.get(refund=refund)
    assert (rating.score, rating.comment) == (4, "Quick and clear")
    assert "You rated the service 4 out of 5." in again.text
    assert reverse("operations:rate", args=[refund.pk]) not in again.text


def test_an_open_case_cannot_be_rated(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)
    assert (
        reverse("operations:rate", args=[refund.pk])
        not in client.get(reverse("refunds:case", args=[refund.pk])).text
    )

    page = client.post(
        reverse("operations:rate", args=[refund.pk]), {"score": "5"}, follow=True
    )

    assert "A case can be rated once it is closed." in page.text
    assert not Rating.objects.exists()


def test_the_enterprise_files_a_complaint_on_an_open_case(client, cases, alice):
    refund = cases.under_review()
    client.force_login(alice)

    page = client.post(
        reverse("operations:complain", args=[refund.pk]),
        {"body": "Nobody answers the phone."},
        follow=True,
    )

    assert "Your complaint was filed" in page.text
    complaint = Complaint.objects.get(refund=refund)
    assert complaint.body == "Nobody answers the phone."


def test_another_enterprise_cannot_rate_or_complain(client, cases, gary):
    refund = cases.under_review()
    client.force_login(gary)

    complaint = client.post(
        reverse("operations:complain", args=[refund.pk]), {"body": "Spite"}
    )
    rating = client.post(reverse("operations:rate", args=[refund.pk]), {"score": "1"})

    assert (complaint.status_code, rating.status_code) == (404, 404)
    assert not Complaint.objects.exists()


def test_staff_cannot_post_a_complaint_for_the_enterprise(client, cases, olivia):
    refund = cases.under_review()
    client.force_login(olivia)

    page = client.post(
        reverse("operations:complain", args=[refund.pk]), {"body": "For them"}
    )

    assert page.status_code == 403
    assert not Complaint.objects.exists()


# Delegations


def test_an_approver_names_a_substitute_and_ends_it(client, mark, olivia):
    client.force_login(mark)
    now = clock.now()

    client.post(
        reverse("operations:delegations"),
        {
            "delegate": olivia.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Annual leave",
        },
    )
    delegation = ApprovalDelegation.objects.get(delegator=mark)
    page = client.get(reverse("operations:delegations"))
    client.post(reverse("operations:delegation_end", args=[delegation.pk]))

    assert delegation.delegate == olivia
    assert "Annual leave" in page.text
    delegation.refresh_from_db()
    assert delegation.ends_at <= clock.now()
    assert AuditEvent.objects.filter(action="refunds.delegation_ended").exists()


def test_a_delegation_that_ends_before_it_starts_is_refused(client, mark, olivia):
    client.force_login(mark)
    now = clock.now()

    page = client.post(
        reverse("operations:delegations"),
        {
            "delegate": olivia.pk,
            "starts_at": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )

    assert "The delegation must end after it starts." in page.text
    assert not ApprovalDelegation.objects.exists()


@pytest.mark.parametrize("who", ["olivia", "alice", "fiona", "audrey"])
def test_the_delegation_page_is_only_for_approvers(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("operations:delegations")).status_code == 403


def test_someone_else_cannot_end_my_delegation(client, mark, olivia, fiona):
    delegation = ApprovalDelegation.objects.create(
        delegator=mark,
        delegate=olivia,
        starts_at=clock.now(),
        ends_at=clock.now() + datetime.timedelta(days=3),
    )
    client.force_login(fiona)

    page = client.post(
        reverse("operations:delegation_end", args=[delegation.pk]), follow=True
    )

    assert "Only the approver or an operations manager may end" in page.text
    delegation.refresh_from_db()
    assert delegation.ends_at > clock.now()


# Workspace links


def test_the_ops_workspace_and_delegation_links_follow_the_role(client, mark, olivia):
    client.force_login(olivia)
    specialist_home = client.get("/").text
    client.force_login(mark)
    manager_home = client.get("/").text

    assert reverse("operations:workspace") in specialist_home
    assert reverse("operations:delegations") not in specialist_home
    assert reverse("operations:delegations") in manager_home
