import pytest

from parkportal.core.models import OutboxMessage, OutboxStatus


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: any query would raise.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_database_answers(db, client, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_names_the_broker_when_it_does_not_answer(db, client, settings):
    # Nothing listens on port 9: the connection is refused at once.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert list(body["failed"]) == ["broker"]


def test_readyz_names_the_database_when_it_does_not_answer(client, settings):
    # No `db` fixture: pytest-django blocks database access, which is what
    # an unreachable database looks like to the view.
    settings.CELERY_BROKER_URL = ""

    response = client.get("/readyz")

    assert response.status_code == 503
    assert "database" in response.json()["failed"]


def test_metrics_are_in_prometheus_format(db, client):
    OutboxMessage.objects.create(
        task="tests.core.record_call", status=OutboxStatus.DEAD
    )
    client.get("/healthz")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert 'parkportal_outbox_messages{status="dead"} 1.0' in text
    assert 'parkportal_outbox_messages{status="pending"} 0.0' in text
    assert 'route="healthz",status="200"' in text
    assert "parkportal_http_request_duration_seconds_bucket" in text


def test_metrics_count_requests_by_route_pattern_not_by_path(db, client):
    client.get("/api/v1/ops/outbox/dead/12345/replay/")

    text = client.get("/metrics").content.decode()

    assert 'route="api/v1/ops/outbox/dead/<int:pk>/replay/"' in text
    assert "12345" not in text


@pytest.mark.parametrize(
    ("authorization", "status"),
    [("", 401), ("Bearer wrong", 401), ("Bearer scrape-me", 200)],
)
def test_metrics_token_is_required_when_set(
    db, client, settings, authorization, status
):
    settings.METRICS_TOKEN = "scrape-me"

    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == status


def test_probes_are_not_redirected_to_https(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.CELERY_BROKER_URL = ""

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/admin/login/").status_code == 301


def test_refund_transitions_are_counted_by_name(
    cases, mark, client, django_capture_on_commit_callbacks
):
    before = _sample(client, 'parkportal_refund_transitions_total{name="forward"}')
    with django_capture_on_commit_callbacks(execute=True):
        cases.pending_approval()

    after = _sample(client, 'parkportal_refund_transitions_total{name="forward"}')

    assert after == before + 1


def _sample(client, series: str) -> float:
    for line in client.get("/metrics").content.decode().splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0
