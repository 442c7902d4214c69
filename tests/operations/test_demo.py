import pytest

from operations import demo
from operations.models import Complaint, Rating, SlaTarget, SpecialistProfile

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_rates_closed_cases(
    cases, close_case, alice, olivia, oscar
):
    close_case(cases)
    close_case(cases)
    users = {"enterprise": alice, "ops": olivia, "ops2": oscar}

    demo.seed(users=users)
    demo.seed(users=users)

    assert SlaTarget.objects.count() == 12
    assert SpecialistProfile.objects.get(user=olivia).green_channel
    assert not SpecialistProfile.objects.get(user=oscar).green_channel
    assert Rating.objects.count() == 2
    assert Complaint.objects.count() == 1
