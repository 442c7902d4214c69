import pytest
from django.core.management import call_command

from refunds.models import RefundRequest
from risk.evaluation import KINDS, measure

pytestmark = pytest.mark.django_db


def test_shipped_rules_catch_planted_anomalies_and_spare_ordinary_requests():
    report = measure(normal=240, anomalies=48, seed=11)

    assert report.normal == 240
    assert sum(report.planted.values()) == 48
    assert report.recall >= 0.95
    for kind in KINDS:
        assert report.planted[kind] == 4
        assert report.recall_of(kind) >= 0.95, kind
    assert report.false_positive_rate <= 0.05


def test_the_evaluation_leaves_nothing_behind(capsys):
    call_command("risk_evaluate", normal=24, anomalies=12, seed=1)

    printed = capsys.readouterr().out
    assert "ordinary requests: 24" in printed
    assert "recall" in printed
    assert not RefundRequest.objects.exists()


def test_the_evaluation_measures_the_shipped_rules_unless_asked(rita):
    from risk.models import Rule
    from risk.services.rules import rule_update_settings

    for rule in Rule.objects.all():
        rule_update_settings(rule_id=rule.pk, actor=rita, enabled=False)

    current = measure(normal=12, anomalies=12, seed=2, shipped=False)
    shipped = measure(normal=12, anomalies=12, seed=2)

    assert current.recall == 0
    assert shipped.recall == 1
    assert not Rule.objects.filter(enabled=True).exists()
