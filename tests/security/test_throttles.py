"""Rate limits on the endpoints a password guesser or a runaway script
hammers: the token endpoint per address, case creation and submission per
user. Past the limit the answer is 429 with the API's JSON error body."""

import socket

import pytest
from rest_framework.test import APIClient

from refunds.models import RefundRequest
from tests.factories import UserFactory

TOKEN = "/api/v1/auth/token/"
REFUNDS = "/api/v1/refunds/"
PASSWORD = "parkportal-test"


@pytest.fixture
def rates(settings):
    def set_rates(token_obtain="100/min", submission="100/min"):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                "token_obtain": token_obtain,
                "submission": submission,
            },
        }

    return set_rates


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["message"]
    assert int(response["Retry-After"]) > 0


def _application(contract):
    return {
        "contract": contract.pk,
        "reason": "deposit",
        "description": "Deposit for unit B-12 returned at move-out",
        "amount": "12500.50",
        "currency": "CNY",
        "payee_name": "Acme Robotics",
        "payee_bank": "Industrial Bank Suzhou",
        "payee_account": "6222 0000 1111 3333",
    }


def test_the_token_endpoint_answers_429_past_the_rate_per_address(alice, rates):
    rates(token_obtain="2/min")
    client = _api()
    login = {"username": "alice", "password": PASSWORD}

    answers = [client.post(TOKEN, login).status_code for _attempt in range(2)]
    throttled = client.post(TOKEN, login)
    elsewhere = client.post(TOKEN, login, REMOTE_ADDR="10.9.8.7")

    assert answers == [200, 200]
    _assert_throttled(throttled)
    assert elsewhere.status_code == 200


def test_wrong_passwords_count_against_the_token_rate_too(alice, rates):
    rates(token_obtain="3/min")
    client = _api()

    for _attempt in range(3):
        client.post(TOKEN, {"username": "alice", "password": "guess"})

    _assert_throttled(client.post(TOKEN, {"username": "alice", "password": PASSWORD}))


def test_a_locked_out_account_gets_429_from_the_token_endpoint(db, rates, settings):
    # Through the settings fixture, not @override_settings: rates() changes
    # settings inside the test, and the fixture, restoring after the
    # decorator, would bring the lockout back for every later test.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    rates(token_obtain="100/min")
    UserFactory(username="paula")
    client = _api()

    for _attempt in range(3):
        client.post(TOKEN, {"username": "paula", "password": "wrong"})
    response = client.post(TOKEN, {"username": "paula", "password": PASSWORD})

    _assert_throttled(response)
    assert "token" not in response.json()


def test_case_creation_answers_429_past_the_rate_per_user(
    alice, acme_contract, gary, rates
):
    rates(submission="2/min")
    application = _application(acme_contract)

    answers = [
        _api(alice).post(REFUNDS, application, format="json").status_code
        for _attempt in range(2)
    ]
    throttled = _api(alice).post(REFUNDS, application, format="json")
    other_user = _api(gary).post(REFUNDS, {}, format="json")

    assert answers == [201, 201]
    _assert_throttled(throttled)
    assert other_user.status_code == 400


def test_submission_answers_429_past_the_rate_per_user(alice, cases, rates):
    rates(submission="2/min")
    drafts = [cases.draft() for _draft in range(3)]

    answers = [
        _api(alice)
        .post(f"{REFUNDS}{draft.pk}/transitions/submit/", {}, format="json")
        .status_code
        for draft in drafts[:2]
    ]
    throttled = _api(alice).post(
        f"{REFUNDS}{drafts[2].pk}/transitions/submit/", {}, format="json"
    )

    assert answers == [200, 200]
    _assert_throttled(throttled)
    drafts[2].refresh_from_db()
    assert drafts[2].state == "draft"


def test_reading_and_other_steps_are_not_limited(alice, olivia, cases, rates):
    rates(submission="1/min")
    case = cases.under_review()
    _api(alice).post(REFUNDS, {}, format="json")

    read = _api(alice).get(REFUNDS)
    forwarded = _api(olivia).post(
        f"{REFUNDS}{case.pk}/transitions/forward/", {}, format="json"
    )

    assert read.status_code == 200
    assert forwarded.status_code == 200


@pytest.fixture
def unreachable_cache(settings):
    """The cache points at a Redis port where nothing listens, as when the
    park's Redis is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_an_application_goes_through_while_the_rate_limits_cache_is_down(
    alice, acme_contract, rates, unreachable_cache, caplog
):
    rates(submission="1/min")
    client = _api(alice)

    first = client.post(REFUNDS, _application(acme_contract), format="json")
    second = client.post(REFUNDS, _application(acme_contract), format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert RefundRequest.objects.filter(applicant=alice).count() == 2
    assert "rate limit not checked" in caplog.text
