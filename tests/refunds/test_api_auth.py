"""Token sign-in for integrations, session sign-in for the browser, and
errors in the caller's language."""

import pytest
from rest_framework.test import APIClient

from tests.refunds.api_support import refund_url

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def test_a_token_is_traded_for_username_and_password_and_then_works(cases, alice):
    refund = cases.draft()
    client = APIClient()

    answer = client.post(
        TOKEN, {"username": "alice", "password": "parkportal-test"}, format="json"
    )
    token = answer.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    case = client.get(refund_url(refund))

    assert answer.status_code == 200
    assert set(answer.json()) == {"token"}
    assert case.status_code == 200
    assert case.json()["reference"] == refund.reference


def test_the_same_token_is_given_twice(alice):
    client = APIClient()
    credentials = {"username": "alice", "password": "parkportal-test"}

    first = client.post(TOKEN, credentials, format="json").json()["token"]
    second = client.post(TOKEN, credentials, format="json").json()["token"]

    assert first == second


def test_a_wrong_password_gets_no_token(alice):
    response = APIClient().post(
        TOKEN, {"username": "alice", "password": "guess"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "token" not in response.json()


def test_an_unknown_token_is_refused(cases):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")

    response = client.get("/api/v1/refunds/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_browser_session_reads_the_api(cases, alice):
    refund = cases.draft()
    client = APIClient()
    client.force_login(alice)

    response = client.get(refund_url(refund))

    assert response.status_code == 200


def test_a_token_user_without_accept_language_is_answered_in_their_language(alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    token = APIClient().post(
        TOKEN, {"username": "alice", "password": "parkportal-test"}, format="json"
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    response = client.get("/api/v1/refunds/999999/")

    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["message"] == "未找到。"


def test_a_session_user_is_answered_in_their_language(alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client = APIClient()
    client.force_login(alice)

    response = client.get("/api/v1/refunds/999999/")

    assert response["Content-Language"] == "zh-hans"
    assert response.json()["message"] == "未找到。"


def test_an_explicit_accept_language_wins_over_the_profile(alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client = APIClient()
    client.force_login(alice)

    response = client.get("/api/v1/refunds/999999/", HTTP_ACCEPT_LANGUAGE="en")

    assert response["Content-Language"] == "en"
    assert response.json()["message"] == "Not found."


def test_an_english_profile_gets_english_errors(alice):
    alice.language = "en"
    alice.save(update_fields=["language"])
    client = APIClient()
    client.force_login(alice)

    response = client.get("/api/v1/refunds/999999/")

    assert response["Content-Language"] == "en"
    assert response.json() == {"code": "not_found", "message": "Not found."}


def test_a_language_cookie_wins_over_the_profile(client, alice, settings):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/api/v1/refunds/999999/")

    assert response["Content-Language"] == "en"
