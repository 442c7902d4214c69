import datetime

import pytest

from parkportal.core import clock
from parkportal.core.errors import InvalidInput, NotAllowed
from refunds.models import AuditEvent
from refunds.services.lifecycle import refund_submit
from risk.models import Assessment, Rule, RuleVersion, Threshold
from risk.services.rules import (
    rule_activate_version,
    rule_create,
    rule_new_version,
    rule_update_settings,
    threshold_set,
)

pytestmark = pytest.mark.django_db


def test_editing_a_rule_writes_a_new_live_version(rita):
    rule = Rule.objects.get(code="velocity")
    first = rule.live_version

    version = rule_new_version(
        rule_id=rule.pk, actor=rita, parameters={"max_requests": 6}, note="Busier park"
    )

    rule.refresh_from_db()
    first.refresh_from_db()
    assert version.number == 2
    assert version.parameters["max_requests"] == 6
    assert version.parameters["days"] == 30
    assert version.score == first.score
    assert rule.live_version == version
    assert first.status == "retired"
    assert first.parameters["max_requests"] == 4
    assert AuditEvent.objects.filter(action="risk.rule.version").count() == 1


def test_a_version_cannot_be_changed_once_written(db):
    version = Rule.objects.get(code="velocity").live_version
    version.score = 1

    with pytest.raises(ValueError):
        version.save()


def test_assessments_record_the_version_that_ran(cases, alice, rita, screened):
    rule = Rule.objects.get(code="velocity")
    new = rule_new_version(rule_id=rule.pk, actor=rita, score=45)

    refund = cases.draft()
    screened(refund_submit, refund_id=refund.pk, actor=alice)

    result = Assessment.objects.get(refund=refund).results.get(rule=rule)
    assert result.version == new


def test_a_draft_version_waits_until_activated(rita):
    rule = Rule.objects.get(code="likely-duplicate")
    live = rule.live_version

    draft = rule_new_version(
        rule_id=rule.pk, actor=rita, parameters={"days": 90}, activate=False
    )
    rule.refresh_from_db()
    assert rule.live_version == live
    assert draft.status == "draft"

    rule_activate_version(version_id=draft.pk, actor=rita)
    rule.refresh_from_db()
    assert rule.live_version == draft


def test_parameters_are_checked_against_the_rule_type(rita):
    rule = Rule.objects.get(code="velocity")

    with pytest.raises(InvalidInput):
        rule_new_version(rule_id=rule.pk, actor=rita, parameters={"weeks": 2})
    with pytest.raises(InvalidInput):
        rule_new_version(rule_id=rule.pk, actor=rita, parameters={"days": -1})

    assert RuleVersion.objects.filter(rule=rule).count() == 1


def test_a_new_rule_can_start_as_a_draft(rita):
    rule = rule_create(
        actor=rita,
        code="big-usd",
        rule_type_name="amount_above_threshold",
        name="Large USD refunds",
        parameters={"thresholds_cny": {"default": "5000000", "USD": "700000"}},
        activate=False,
    )

    assert rule.live_version is None
    assert rule.versions.get().parameters["thresholds_cny"]["USD"] == "700000"
    assert rule.category == "liquidity"
    assert not rule.is_active(clock.now())


def test_only_a_risk_officer_edits_rules(olivia):
    rule = Rule.objects.get(code="velocity")

    with pytest.raises(NotAllowed):
        rule_new_version(rule_id=rule.pk, actor=olivia, score=1)


def test_a_snooze_must_end_in_the_future(rita):
    rule = Rule.objects.get(code="velocity")
    past = clock.now() - datetime.timedelta(hours=1)

    with pytest.raises(InvalidInput):
        rule_update_settings(rule_id=rule.pk, actor=rita, snoozed_until=past)
    rule_update_settings(
        rule_id=rule.pk, actor=rita, snoozed_until=clock.now() + datetime.timedelta(1)
    )

    rule.refresh_from_db()
    assert not rule.is_active(clock.now())


def test_thresholds_are_data(rita):
    threshold_set(outcome="hold", actor=rita, min_score=100)

    assert Threshold.objects.get(outcome="hold").min_score == 100
