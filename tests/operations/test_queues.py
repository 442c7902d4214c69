from decimal import Decimal

import pytest

from operations.models import SpecialistProfile
from operations.selectors import QueueFilters, queue_cases, queue_counts
from parkportal.core import clock
from parkportal.core.errors import NotAllowed
from refunds.models import RefundRequest
from refunds.services.lifecycle import refund_submit
from tests.operations.conftest import at

pytestmark = pytest.mark.django_db


def refs(queryset):
    return [refund.reference for refund in queryset]


@pytest.fixture
def queue_cases_set(cases, vip_cases, olivia, oscar, greta):
    """Olivia's case from Monday, Oscar's from Tuesday, a green-channel case
    of Greta's, and one nobody could take (everyone away)."""
    SpecialistProfile.objects.create(user=oscar, accepts_cases=False)
    with clock.travel(at(2025, 6, 9, 9, 0)):
        monday = cases.under_review(amount="20000.00")
    SpecialistProfile.objects.filter(user=oscar).update(accepts_cases=True)
    SpecialistProfile.objects.create(user=olivia, accepts_cases=False)
    with clock.travel(at(2025, 6, 10, 9, 0)):
        tuesday = cases.under_review(amount="300000.00")
        green = vip_cases.under_review(amount="5000.00")
    SpecialistProfile.objects.filter(user=oscar).update(accepts_cases=False)
    SpecialistProfile.objects.filter(user=greta).update(accepts_cases=False)
    with clock.travel(at(2025, 6, 10, 10, 0)):
        orphan = refund_submit(refund_id=cases.draft().pk, actor=cases.applicant)
    return monday, tuesday, green, orphan


def test_queues_hold_my_cases_the_teams_and_the_unassigned(
    queue_cases_set, olivia, oscar
):
    monday, tuesday, green, orphan = queue_cases_set

    with clock.travel(at(2025, 6, 10, 12, 0)):
        assert refs(queue_cases(user=olivia, queue="mine")) == [monday.reference]
        assert refs(queue_cases(user=oscar, queue="mine")) == [tuesday.reference]
        assert refs(queue_cases(user=olivia, queue="unassigned")) == [orphan.reference]
        team = refs(queue_cases(user=olivia, queue="team"))

    # Sorted by the nearest deadline: the green channel's short review first.
    assert team == [monday.reference, green.reference, tuesday.reference]
    assert queue_counts(user=olivia) == {"mine": 1, "team": 3, "unassigned": 1}


def test_queues_filter_by_deadline_channel_risk_amount_and_state(
    queue_cases_set, olivia
):
    monday, tuesday, green, orphan = queue_cases_set
    RefundRequest.objects.filter(pk=tuesday.pk).update(risk_level="high")

    def team(**filters):
        return set(
            refs(
                queue_cases(user=olivia, queue="team", filters=QueueFilters(**filters))
            )
        )

    with clock.travel(at(2025, 6, 11, 10, 0)):
        # Monday's review ended Tuesday 18:00, the green one Tuesday 18:00
        # too; Tuesday's runs until Wednesday 18:00.
        assert team(deadline="overdue") == {monday.reference, green.reference}
        assert team(deadline="due_soon") == {tuesday.reference}
    assert team(green_channel=True) == {green.reference}
    assert team(green_channel=False) == {monday.reference, tuesday.reference}
    assert team(risk_levels=["high"]) == {tuesday.reference}
    assert team(amount_min=Decimal("10000"), amount_max=Decimal("100000")) == {
        monday.reference
    }
    assert team(states=["info_requested"]) == set()
    assert team(states=["under_review", "closed"]) == {
        monday.reference,
        tuesday.reference,
        green.reference,
    }


def test_a_queue_filtered_to_states_that_are_not_open_is_empty(queue_cases_set, olivia):
    RefundRequest.objects.filter(pk=queue_cases_set[0].pk).update(state="closed")

    filters = QueueFilters(states=["closed", "draft"])

    assert refs(queue_cases(user=olivia, queue="team", filters=filters)) == []


def test_queues_are_for_operations_staff(alice, fiona):
    for user in (alice, fiona):
        with pytest.raises(NotAllowed):
            queue_counts(user=user)
