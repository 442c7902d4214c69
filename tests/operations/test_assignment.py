import datetime
from collections import Counter
from decimal import Decimal

import pytest

from operations.models import Notification, SpecialistProfile
from operations.services.assignment import cases_reassign
from parkportal.accounts.roles import Role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from refunds.models import AuditEvent, TimelineEntry
from refunds.services.lifecycle import refund_submit, refund_transition
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def submit(cases, **kwargs):
    refund = cases.draft(**kwargs)
    return refund_submit(refund_id=refund.pk, actor=cases.applicant)


def test_submission_assigns_the_specialist_with_the_least_open_work(
    cases, olivia, oscar
):
    first = submit(cases)
    second = submit(cases)

    assert {first.owner, second.owner} == {olivia, oscar}
    entry = TimelineEntry.objects.get(refund=first, kind="assign")
    assert entry.params["owner"] == str(first.owner)
    assert AuditEvent.objects.filter(refund=first, action="refund.assign").exists()


def test_many_submissions_spread_evenly_across_available_specialists(
    cases, olivia, oscar
):
    third = UserFactory(username="owen", role=Role.OPS_SPECIALIST)
    away = UserFactory(username="paula", role=Role.OPS_SPECIALIST)
    SpecialistProfile.objects.create(
        user=away,
        out_of_office_from=clock.now() - datetime.timedelta(days=1),
        out_of_office_until=clock.now() + datetime.timedelta(days=7),
    )

    owners = Counter(submit(cases, amount="1000.00").owner.username for _ in range(30))

    assert owners == {"olivia": 10, "oscar": 10, "owen": 10}
    assert third.username in owners
    assert "paula" not in owners


def test_weighting_counts_cases_waiting_on_others_less(cases, olivia, oscar, settings):
    settings.OPERATIONS_ASSIGNMENT_WEIGHTS = {
        "under_review": "1",
        "info_requested": "0.25",
    }
    asked = submit(cases)
    refund_transition(
        refund_id=asked.pk, name="request_info", actor=asked.owner, comment="Lease?"
    )
    busy_owner = asked.owner

    next_case = submit(cases)

    # The owner of the case waiting on the enterprise carries 0.25 against
    # the other's 0, so the other gets the next case, then the asker.
    assert next_case.owner != busy_owner
    assert submit(cases).owner == busy_owner


def test_capacity_halves_a_part_timers_share(cases, olivia, oscar):
    SpecialistProfile.objects.create(user=oscar, capacity=Decimal("0.5"))

    owners = Counter(submit(cases, amount="1000.00").owner.username for _ in range(9))

    assert owners == {"olivia": 6, "oscar": 3}


def test_people_out_of_office_or_not_taking_cases_are_skipped(cases, olivia, oscar):
    SpecialistProfile.objects.create(user=olivia, accepts_cases=False)

    assert submit(cases).owner == oscar
    assert submit(cases).owner == oscar


def test_green_channel_goes_to_its_designated_specialist(vip_cases, oscar, greta):
    owners = {submit(vip_cases).owner for _ in range(3)}

    assert owners == {greta}


def test_green_channel_falls_back_to_everyone_when_its_designee_is_away(
    vip_cases, greta
):
    greta.specialist_profile.out_of_office_from = clock.now()
    greta.specialist_profile.save()

    assert submit(vip_cases).owner.username == "olivia"


def test_the_new_owner_is_notified(cases, olivia):
    refund = submit(cases)

    notice = Notification.objects.get(recipient=olivia, kind="assigned")
    assert notice.refund == refund


def test_manager_reassigns_many_cases_with_a_reason(cases, olivia, oscar, mark):
    SpecialistProfile.objects.create(user=oscar, accepts_cases=False)
    refunds = [submit(cases) for _ in range(3)]
    assert {r.owner for r in refunds} == {olivia}

    moved = cases_reassign(
        refund_ids=[r.pk for r in refunds], owner=oscar, actor=mark, reason="Holiday"
    )

    assert len(moved) == 3
    for refund in refunds:
        refund.refresh_from_db()
        assert refund.owner == oscar
        event = AuditEvent.objects.filter(refund=refund, action="refund.assign").last()
        assert event.actor == mark
        assert event.after["reason"] == "Holiday"
    assert Notification.objects.filter(recipient=oscar, kind="assigned").count() == 3


def test_reassignment_needs_a_manager_a_reason_and_an_open_case(
    cases, olivia, oscar, mark, alice
):
    refund = submit(cases)

    with pytest.raises(NotAllowed):
        cases_reassign(refund_ids=[refund.pk], owner=oscar, actor=olivia, reason="x")
    with pytest.raises(InvalidInput):
        cases_reassign(refund_ids=[refund.pk], owner=oscar, actor=mark, reason=" ")
    with pytest.raises(InvalidInput):
        cases_reassign(refund_ids=[refund.pk], owner=alice, actor=mark, reason="x")
    refund_transition(refund_id=refund.pk, name="withdraw", actor=alice)
    with pytest.raises(Conflict):
        cases_reassign(refund_ids=[refund.pk], owner=oscar, actor=mark, reason="x")
