"""Schemathesis against the published OpenAPI schema: every operation
called with generated data, as an enterprise user and as an operations
specialist, through the Django WSGI application. No answer may be a 5xx,
and every answer must be one the schema describes (status code, content
type, body).

A modest number of examples per operation keeps it a test, not a fuzzing
campaign: run `SCHEMATHESIS_EXAMPLES=50 .venv/bin/pytest
tests/security/test_schemathesis.py` for a longer search."""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
pytestmark = pytest.mark.django_db

# The token endpoint is covered by the throttle tests; fuzzing it only
# feeds the rate limiter.
SKIPPED = {("POST", "/api/v1/auth/token/")}


@pytest.fixture
def api_schema(client, tmp_path, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = tmp_path
    raw = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    # Each test runs inside one transaction on one connection, and Django
    # closes a connection it finds inside a transaction when a request
    # starts or ends. The test client keeps it open for its own requests
    # only and connects the handlers again after each one, so they are
    # taken off here, after the schema has been fetched.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def cases_of_both(acme_case, globex_case):
    """Alice (enterprise) has a case under review and Globex has one she
    must not see; olivia (operations specialist) owns Alice's case."""
    return acme_case, globex_case


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _fuzz(api_schema, user) -> list[str]:
    """Every operation, its examples until the first failure; the failures
    of all operations are reported together."""
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    failures = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @HYPOTHESIS
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported below
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    # Guards against a schema that failed to load or lost its paths.
    assert operations > 80, f"only {operations} operations in the schema"
    return failures


def test_the_api_answers_an_enterprise_user_within_its_schema(
    api_schema, cases_of_both, alice
):
    failures = _fuzz(api_schema, alice)

    assert not failures, "\n\n".join(failures)


def test_the_api_answers_an_ops_specialist_within_its_schema(
    api_schema, cases_of_both, olivia
):
    failures = _fuzz(api_schema, olivia)

    assert not failures, "\n\n".join(failures)
