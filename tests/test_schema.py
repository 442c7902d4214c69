"""The OpenAPI description: valid, complete, and served without a CDN."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/refunds/": {"get", "post"},
    "/api/v1/refunds/{id}/": {"get", "patch"},
    "/api/v1/refunds/{id}/transitions/": {"get"},
    "/api/v1/refunds/{id}/transitions/{name}/": {"post"},
    "/api/v1/refunds/{id}/events/": {"get"},
    "/api/v1/refunds/{id}/documents/": {"get", "post"},
    "/api/v1/refunds/{id}/documents/{doc_id}/download/": {"get"},
    "/api/v1/refunds/{id}/messages/": {"get", "post"},
    "/api/v1/refunds/{id}/approval-steps/": {"get"},
    "/api/v1/enterprises/": {"get"},
    "/api/v1/enterprises/{id}/": {"get"},
    "/api/v1/audit/events/": {"get"},
    "/api/v1/audit/events/{id}/": {"get"},
    "/api/v1/audit/verify/": {"get"},
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        call_command(
            "spectacular", "--validate", "--fail-on-warn", "--file", str(target)
        )
    return yaml.safe_load(target.read_text())


def test_the_schema_validates_without_warnings(schema):
    assert schema["openapi"].startswith("3.")


def test_the_schema_describes_every_endpoint(schema):
    described = {
        path: set(operations) - {"parameters"}
        for path, operations in schema["paths"].items()
    }

    for path, methods in ENDPOINTS.items():
        assert methods <= described.get(path, set()), path


def test_every_operation_describes_the_error_body(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "details",
    }
    for path, operations in schema["paths"].items():
        if not path.startswith(("/api/v1/refunds", "/api/v1/audit", "/api/v1/enter")):
            continue
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404"):
                body = operation["responses"][status]["content"]["application/json"]
                assert body["schema"] == error, (method, path, status)


def test_transitions_and_creation_take_an_idempotency_key(schema):
    for path, method in (
        ("/api/v1/refunds/", "post"),
        ("/api/v1/refunds/{id}/transitions/{name}/", "post"),
    ):
        headers = [
            parameter["name"]
            for parameter in schema["paths"][path][method]["parameters"]
            if parameter["in"] == "header"
        ]
        assert headers == ["Idempotency-Key"]


def test_the_schema_and_the_docs_are_served_from_this_server(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page and "unpkg" not in page
