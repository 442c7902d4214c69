"""A path no route matches answers in the language of where it was sent:
JSON under the API (the schema promises JSON errors), the portal's page
elsewhere."""

from rest_framework.test import APIClient


def test_an_unmatched_api_path_answers_with_the_json_error_body(alice):
    client = APIClient()
    client.force_authenticate(alice)

    response = client.get("/api/v1/operations/cases/-5/sla/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_an_unmatched_page_path_answers_with_the_portal_page(alice, client):
    client.force_login(alice)

    response = client.get("/refunds/-5/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
