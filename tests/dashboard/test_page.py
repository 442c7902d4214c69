import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-04-01"}


def test_committee_reads_the_period_on_the_dashboard(client, march, carl):
    client.force_login(carl)

    response = client.get(reverse("dashboard"), MARCH)

    assert response.status_code == 200
    flows = {row["name"]: row["now"]["count"] for row in response.context["flows"]}
    assert flows == {
        "received": 3,
        "approved": 1,
        "paid": 1,
        "rejected": 1,
        "withdrawn": 1,
    }
    assert response.context["bottleneck_label"] == "Pending approval"
    page = response.content.decode()
    assert "map-bottleneck" in page
    assert "<svg" in page


def test_choosing_a_stage_lists_the_cases_waiting_there(client, cases, carl):
    waiting = cases.under_review()
    client.force_login(carl)

    response = client.get(reverse("dashboard"), {"stage": "under_review"})

    assert [row["reference"] for row in response.context["stuck"]] == [
        waiting.reference
    ]
    assert waiting.reference in response.content.decode()


def test_an_enterprise_user_is_refused_the_dashboard(client, alice):
    client.force_login(alice)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 403


def test_a_bad_period_is_explained_on_the_page(client, carl):
    client.force_login(carl)

    response = client.get(
        reverse("dashboard"), {"start": "2026-05-01", "end": "2026-04-01"}
    )

    assert response.status_code == 400
    assert "The period must end after it starts." in response.content.decode()


def test_the_monthly_report_covers_one_calendar_month(client, march, carl):
    client.force_login(carl)

    response = client.get(reverse("dashboard-report", args=[2026, 3]))

    assert response.status_code == 200
    assert response.context["flows"][0]["now"]["count"] == 3
    assert "2026-03" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "received"), [("en", "Received"), ("zh-hans", "受理")]
)
def test_flow_names_follow_the_readers_language(
    client, march, carl, language, received
):
    client.force_login(carl)
    client.cookies["django_language"] = language

    response = client.get(reverse("dashboard"), MARCH)

    labels = [str(row["label"]) for row in response.context["flows"]]
    assert labels[0] == received
    assert f'<th scope="row">{received}</th>' in response.content.decode()


def test_the_page_filters_by_case_owner(client, march, carl, olivia, mark):
    client.force_login(carl)

    mine = client.get(reverse("dashboard"), {**MARCH, "owner": olivia.pk})
    none = client.get(reverse("dashboard"), {**MARCH, "owner": mark.pk})

    assert f'<option value="{olivia.pk}" selected>' in mine.content.decode()
    assert mine.context["flows"][0]["now"]["count"] == 3
    assert none.context["flows"][0]["now"]["count"] == 0
