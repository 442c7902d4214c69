import pytest

from risk.models import Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_as_rita(client, rita):
    rita.is_staff = True
    rita.is_superuser = True
    rita.save()
    client.force_login(rita)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "rule",
        "ruleversion",
        "threshold",
        "assessment",
        "hold",
        "backtest",
        "control",
        "invoicedeclaration",
    ],
)
def test_each_risk_admin_list_opens(admin_client_as_rita, model):
    response = admin_client_as_rita.get(f"/admin/risk/{model}/")

    assert response.status_code == 200


def test_changing_parameters_in_the_admin_writes_a_new_version(admin_client_as_rita):
    rule = Rule.objects.get(code="likely-duplicate")

    response = admin_client_as_rita.post(
        f"/admin/risk/rule/{rule.pk}/change/",
        {
            "name": rule.name,
            "category": rule.category,
            "owner": "",
            "enabled": "on",
            "snoozed_until_0": "",
            "snoozed_until_1": "",
            "new_parameters": '{"days": 45}',
            "new_score": "50",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": str(rule.live_version_id),
            "versions-0-rule": str(rule.pk),
        },
    )

    rule.refresh_from_db()
    assert response.status_code == 302
    assert rule.live_version.number == 2
    assert rule.live_version.parameters == {"days": 45}
    assert rule.versions.get(number=1).parameters == {"days": 60}


def test_a_rule_detail_page_shows_its_versions(admin_client_as_rita):
    rule = Rule.objects.get(code="velocity")

    response = admin_client_as_rita.get(f"/admin/risk/rule/{rule.pk}/change/")

    assert response.status_code == 200
    assert b"max_requests" in response.content
