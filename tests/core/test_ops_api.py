import pytest

from parkportal.core.models import OutboxMessage, OutboxStatus
from tests.factories import UserFactory


@pytest.fixture
def sam(db):
    """Site administrator (Django staff)."""
    return UserFactory(username="sam", is_staff=True)


@pytest.fixture
def dead(db):
    return OutboxMessage.objects.create(
        task="tests.core.record_call",
        kwargs={"refund_id": 3},
        status=OutboxStatus.DEAD,
        attempts=10,
        last_error="OperationalError: broker unreachable",
    )


def test_staff_lists_dead_messages_only(sam, dead, client):
    OutboxMessage.objects.create(task="tests.core.record_call", kwargs={})
    client.force_login(sam)

    response = client.get("/api/v1/ops/outbox/dead/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == dead.pk
    assert row["last_error"] == "OperationalError: broker unreachable"


def test_staff_replays_a_dead_message(
    sam, dead, client, task_calls, django_capture_on_commit_callbacks
):
    client.force_login(sam)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/ops/outbox/dead/{dead.pk}/replay/")

    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.SENT
    assert task_calls == [{"refund_id": 3}]


def test_replaying_a_message_that_is_not_dead_is_a_conflict(sam, client):
    pending = OutboxMessage.objects.create(task="tests.core.record_call", kwargs={})
    client.force_login(sam)

    response = client.post(f"/api/v1/ops/outbox/dead/{pending.pk}/replay/")

    assert response.status_code == 409
    assert response.json()["code"] == "outbox_not_dead"


def test_replaying_an_unknown_message_is_not_found(sam, client):
    client.force_login(sam)

    response = client.post("/api/v1/ops/outbox/dead/999999/replay/")

    assert response.status_code == 404


@pytest.mark.parametrize("actor", ["olivia", "diana", "alice"])
def test_people_without_staff_access_are_refused(actor, dead, client, request):
    client.force_login(request.getfixturevalue(actor))

    listing = client.get("/api/v1/ops/outbox/dead/")
    replay = client.post(f"/api/v1/ops/outbox/dead/{dead.pk}/replay/")

    assert listing.status_code == 403
    assert replay.status_code == 403
    dead.refresh_from_db()
    assert dead.status == OutboxStatus.DEAD


def test_anonymous_caller_is_refused(dead, client):
    assert client.get("/api/v1/ops/outbox/dead/").status_code in (401, 403)
