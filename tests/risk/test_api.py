import datetime

import pytest
from rest_framework.test import APIClient

from parkportal.core import clock
from refunds.services.lifecycle import refund_submit
from risk.models import Hold, Rule
from tests.factories import BankAccountFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/risk"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def held(cases, alice, globex, screened):
    BankAccountFactory(enterprise=globex, account_number="6222999900001111")
    refund = cases.draft(payee_account="6222999900001111")
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    return Hold.objects.get(refund=refund)


def test_the_rule_catalogue_lists_rule_types_with_their_parameters(rita):
    response = client_for(rita).get(f"{BASE}/rule-types/")

    assert response.status_code == 200
    velocity = next(t for t in response.json() if t["name"] == "velocity")
    assert velocity["parameters"]["max_requests"]["default"] == 4


def test_editing_a_rule_through_the_api_adds_a_version(rita):
    rule = Rule.objects.get(code="velocity")

    response = client_for(rita).post(
        f"{BASE}/rules/{rule.pk}/versions/",
        {"parameters": {"max_requests": 7}, "note": "Quarter-end rush"},
        format="json",
    )
    listed = client_for(rita).get(f"{BASE}/rules/{rule.pk}/versions/").json()

    assert response.status_code == 201
    assert response.json()["number"] == 2
    assert [v["number"] for v in listed] == [2, 1]
    assert [v["status"] for v in listed] == ["live", "retired"]


def test_bad_parameters_answer_with_a_stable_code(rita):
    rule = Rule.objects.get(code="velocity")

    response = client_for(rita).post(
        f"{BASE}/rules/{rule.pk}/versions/", {"parameters": {"weeks": 1}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameters"


def test_a_rule_is_created_as_a_draft_and_snoozed(rita):
    created = client_for(rita).post(
        f"{BASE}/rules/",
        {
            "code": "fx-eur",
            "rule_type": "fx_exposure",
            "name": "EUR exposure",
            "parameters": {"threshold_cny": "100000"},
            "activate": False,
        },
        format="json",
    )
    rule_id = created.json()["id"]
    until = (clock.now() + datetime.timedelta(days=2)).isoformat()
    snoozed = client_for(rita).patch(
        f"{BASE}/rules/{rule_id}/", {"snoozed_until": until}, format="json"
    )

    assert created.status_code == 201
    assert created.json()["live_version"] is None
    assert snoozed.status_code == 200
    assert snoozed.json()["active"] is False


def test_enterprise_users_cannot_read_the_risk_desk(alice):
    assert client_for(alice).get(f"{BASE}/rules/").status_code == 403
    assert client_for(alice).get(f"{BASE}/matrix/").status_code == 403


def test_an_ops_specialist_reads_rules_but_may_not_edit_them(olivia):
    rule = Rule.objects.get(code="velocity")

    listed = client_for(olivia).get(f"{BASE}/rules/")
    edit = client_for(olivia).post(
        f"{BASE}/rules/{rule.pk}/versions/", {"score": 1}, format="json"
    )

    assert listed.status_code == 200
    assert edit.status_code == 403


def test_the_desk_lists_open_holds_with_their_reasons(held, rita):
    response = client_for(rita).get(f"{BASE}/holds/", {"status": "open"})

    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [held.pk]
    assert any("Globex Materials" in reason for reason in rows[0]["reasons"])


def test_a_hold_is_cleared_with_a_comment(held, rita):
    response = client_for(rita).post(
        f"{BASE}/holds/{held.pk}/clear/", {"comment": "Group account"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cleared"
    assert response.json()["state"] == "under_review"


def test_a_hold_decision_without_a_comment_is_refused(held, rita):
    response = client_for(rita).post(
        f"{BASE}/holds/{held.pk}/reject/", {}, format="json"
    )

    assert response.status_code == 400


def test_assessments_show_each_rule_in_both_languages(held, rita):
    response = client_for(rita).get(f"{BASE}/assessments/", {"refund": held.refund_id})

    assessment = response.json()["results"][0]
    assert assessment["outcome"] == "hold"
    shared = next(r for r in assessment["results"] if r["rule"] == "payee-shared")
    assert shared["status"] == "hit"
    assert set(shared["reasons"]) == {"zh-hans", "en"}
    assert "Globex Materials" in shared["reasons"]["en"]
    assert shared["reasons"]["zh-hans"] != shared["reasons"]["en"]


def test_a_backtest_runs_through_the_api(held, rita):
    rule = Rule.objects.get(code="payee-shared")

    response = client_for(rita).post(
        f"{BASE}/backtests/",
        {
            "version": rule.live_version_id,
            "start": (clock.now() - datetime.timedelta(hours=1)).isoformat(),
            "end": (clock.now() + datetime.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["cases"] == 1
    assert body["results"][0]["candidate_status"] == "hit"
    assert body["results"][0]["baseline_status"] == "hit"


def test_an_auditor_reads_the_matrix(held, audrey):
    response = client_for(audrey).get(f"{BASE}/matrix/")

    assert response.status_code == 200
    risks = [row["risk"] for row in response.json()]
    assert risks == ["fraud", "operational", "compliance", "liquidity", "fx"]


def test_flags_list_the_riskiest_open_cases(held, mark):
    flags = client_for(mark).get(f"{BASE}/flags/").json()
    by_rule = client_for(mark).get(f"{BASE}/flags/by-rule/").json()

    assert flags[0]["reference"] == held.refund.reference
    assert next(r for r in by_rule if r["rule"] == "payee-shared")["holds"] == 1


def test_an_invoice_total_is_declared_and_rescreens_the_case(
    cases, alice, olivia, screened
):
    from risk.models import Assessment

    refund = cases.draft(amount="50000.00")
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    invoice = refund.documents.get(kind="invoice")

    client = client_for(olivia)
    response = screened(
        client.post,
        path=f"{BASE}/invoice-totals/",
        data={"document": invoice.pk, "declared_total": "30000.00"},
        format="json",
    )

    assert response.status_code == 201
    latest = Assessment.objects.filter(refund=refund).latest("id")
    assert latest.trigger == "declaration"
    assert latest.results.get(rule__code="invoice-total-mismatch").status == "hit"


def test_the_schema_describes_the_risk_api(rita):
    response = client_for(rita).get("/api/schema/")

    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/risk/holds/{id}/clear/",
        "/api/v1/risk/backtests/",
        "/api/v1/risk/matrix/",
    ):
        assert path in text


def test_a_threshold_is_changed_through_the_api(rita):
    response = client_for(rita).put(
        f"{BASE}/thresholds/hold/", {"min_score": 90, "active": True}, format="json"
    )
    listed = client_for(rita).get(f"{BASE}/thresholds/").json()

    assert response.status_code == 200
    assert {row["outcome"]: row["min_score"] for row in listed}["hold"] == 90


def test_a_draft_version_is_activated_through_the_api(rita):
    rule = Rule.objects.get(code="velocity")
    draft = client_for(rita).post(
        f"{BASE}/rules/{rule.pk}/versions/",
        {"score": 45, "activate": False},
        format="json",
    )

    response = client_for(rita).post(f"{BASE}/versions/{draft.json()['id']}/activate/")

    rule.refresh_from_db()
    assert response.status_code == 200
    assert rule.live_version.score == 45


def test_a_risk_officer_asks_for_a_case_to_be_screened_again(
    cases, alice, rita, screened
):
    from risk.models import Assessment
    from risk.services.rules import rule_new_version

    refund = cases.draft()
    screened(refund_submit, refund_id=refund.pk, actor=alice)
    rule_new_version(rule_id=Rule.objects.get(code="velocity").pk, actor=rita, score=41)

    response = screened(
        client_for(rita).post,
        path=f"{BASE}/assessments/",
        data={"refund": refund.pk},
        format="json",
    )

    assert response.status_code == 202
    triggers = Assessment.objects.filter(refund=refund).values_list(
        "trigger", flat=True
    )
    assert sorted(triggers) == ["manual", "submit"]


def test_assessments_with_a_failing_rule_are_listed_for_follow_up(
    cases, alice, rita, screened
):
    from risk.models import RuleVersion

    clean = cases.draft(amount="200.00")
    screened(refund_submit, refund_id=clean.pk, actor=alice)
    rule = Rule.objects.get(code="likely-duplicate")
    broken = RuleVersion.objects.create(
        rule=rule, number=2, parameters={"days": []}, score=50, status="live"
    )
    Rule.objects.filter(pk=rule.pk).update(live_version=broken)
    failing = cases.draft(amount="100.00")
    screened(refund_submit, refund_id=failing.pk, actor=alice)

    rows = client_for(rita).get(f"{BASE}/assessments/", {"errors": "true"}).json()

    everything = client_for(rita).get(f"{BASE}/assessments/").json()
    assert len(everything["results"]) == 2
    assert [row["refund"] for row in rows["results"]] == [failing.pk]
    assert rows["results"][0]["error_count"] == 1
