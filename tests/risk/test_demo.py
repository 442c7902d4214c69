import pytest

from risk import demo
from risk.models import Rule, Threshold
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_seed_restores_the_defaults_and_names_the_demo_risk_officer():
    officer = UserFactory(username="risk", role="risk_officer")
    Threshold.objects.filter(outcome="hold").delete()

    first = demo.seed()
    second = demo.seed()

    assert first == second == 12
    assert Threshold.objects.get(outcome="hold").min_score == 80
    assert set(Rule.objects.values_list("owner", flat=True)) == {officer.pk}
