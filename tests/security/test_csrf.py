"""CSRF on every unsafe request a browser can make: each page form and
each API method reached with a session cookie, sent by someone allowed to
make it (per the authorisation matrix) but without the CSRF token, is
refused with 403 and changes nothing. Token-authenticated integrations
carry no cookie and need no CSRF token."""

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from refunds.models import Message
from tests.security.routes import concrete_path
from tests.security.test_authorisation_matrix import (
    ACTORS,
    MATRIX,
    _bodies,
    _fingerprint,
    _routes_by_name,
    _values,
)

pytestmark = pytest.mark.django_db

# The token endpoint takes a username and password, not a session, and
# answers the token in its body, which another site cannot read: there is
# no ambient authority for a forged request to borrow.
NO_SESSION = {("auth-token", "post")}
UNSAFE = [
    key
    for key in sorted(MATRIX)
    if key[1] in ("post", "put", "patch", "delete") and key not in NO_SESSION
]


def _allowed_actor(name, method) -> str:
    """The first actor the matrix lets through, so that a refusal can only
    come from the missing token."""
    letters = MATRIX[(name, method)]
    for actor, letter in zip(ACTORS, letters, strict=True):
        if letter in "AXMR" and actor != "anonymous":
            return actor
    return "alice"


@pytest.fixture
def actors(request):
    return {name: request.getfixturevalue(name) for name in ACTORS[1:]}


@pytest.mark.parametrize(
    ("name", "method"), UNSAFE, ids=[f"{n} {m}" for n, m in UNSAFE]
)
def test_an_unsafe_browser_request_without_the_token_is_refused(
    name, method, acme_case, globex_case, actors, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    route = _routes_by_name()[name]
    path = concrete_path(route, _values(acme_case, acme_case.documents.first(), actors))
    body = _bodies(acme_case, actors).get((name, method), {})
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(actors[_allowed_actor(name, method)])

    with transaction.atomic():
        before = _fingerprint(acme_case)
        if route.api:
            response = getattr(browser, method)(
                path, body, content_type="application/json"
            )
        else:
            response = getattr(browser, method)(path, body)
        changed = _fingerprint(acme_case) != before
        transaction.set_rollback(True)

    assert response.status_code == 403, f"{method.upper()} {path}"
    assert b"CSRF" in response.content
    assert not changed


def test_the_same_form_with_the_token_goes_through(acme_case, alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get(f"/refunds/{acme_case.pk}/")
    token = browser.cookies["csrftoken"].value

    response = browser.post(
        f"/refunds/{acme_case.pk}/messages/",
        {"body": "When will it be paid?", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert Message.objects.filter(refund=acme_case, body__startswith="When").exists()


def test_an_integration_with_a_token_needs_no_csrf_token(acme_case, alice):
    integration = APIClient(enforce_csrf_checks=True)
    key = Token.objects.create(user=alice).key

    response = integration.post(
        f"/api/v1/refunds/{acme_case.pk}/messages/",
        {"body": "Sent from our ERP"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )

    assert response.status_code == 201
