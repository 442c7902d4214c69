import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"

# The production values of docs/reliability.md.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "parkportal.settings",
    "DEBUG": "false",
    "SECRET_KEY": "q8Zt3vLx9Wm2Rk7Hc4Nf6Pb1Yd5Gs0Ju8Ea3Ti7Ow2Ql9Xv4Mz6Kr1Bn5Cy0Fh",
    "ALLOWED_HOSTS": "parkportal.example",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
    "DATABASE_URL": "sqlite:///:memory:",
}


@pytest.fixture
def paula(db):
    user = UserFactory(username="paula", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_check_deploy_is_silent_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "DEBUG", "DATABASE_URL"))
    }
    env.update(PRODUCTION_ENV)

    result = subprocess.run(  # nosec B603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr.replace("WARNINGS", "")


def test_pages_carry_the_security_headers(db, client):
    response = client.get("/admin/login/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(paula, client):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "paula", "password": PASSWORD}
    )

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("password", ["Sh0rt-pw!", "123456789012"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_of_ten_characters_is_accepted():
    validate_password("tq-8vz-Lw3")


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_admin_login_is_locked_after_repeated_wrong_passwords(paula, client):
    for _attempt in range(3):
        client.post("/admin/login/", {"username": "paula", "password": "wrong"})

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "paula", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_lockout_is_per_address(paula, client):
    for _attempt in range(3):
        client.post("/admin/login/", {"username": "paula", "password": "wrong"})

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "paula", "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 302


@pytest.mark.urls("tests.core.urls")
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_token_endpoint_answers_429_once_locked_out(paula, client):
    for _attempt in range(3):
        client.post("/test/token/", {"username": "paula", "password": "wrong"})

    response = client.post("/test/token/", {"username": "paula", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) == 15 * 60


@pytest.mark.urls("tests.core.urls")
def test_token_endpoint_is_throttled_by_address(paula, client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_obtain": "2/min", "submission": "5/min"},
    }

    answers = [
        client.post(
            "/test/token/", {"username": "paula", "password": PASSWORD}
        ).status_code
        for _attempt in range(3)
    ]

    assert answers == [200, 200, 429]


@pytest.mark.urls("tests.core.urls")
def test_submissions_are_throttled_per_user(alice, gary, client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token_obtain": "2/min", "submission": "2/min"},
    }
    client.force_login(alice)
    answers = [client.post("/test/submit/").status_code for _attempt in range(3)]
    client.force_login(gary)

    other_user = client.post("/test/submit/").status_code

    assert answers == [201, 201, 429]
    assert other_user == 201


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.2"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_only_the_proxies_configured(
    rf, settings, proxies, forwarded, expected
):
    from parkportal.core.security import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, TRUSTED_PROXY_COUNT=1)
def test_lockout_behind_a_proxy_follows_the_client_not_the_proxy(paula, client):
    for _attempt in range(3):
        client.post(
            "/admin/login/",
            {"username": "paula", "password": "wrong"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    other_client = client.post(
        "/admin/login/?next=/admin/",
        {"username": "paula", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert other_client.status_code == 302
