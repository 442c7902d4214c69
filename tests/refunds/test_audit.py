"""The audit trail's hash chain: verify_audit and the API say whether it
holds, and find an event changed or removed behind the application's
back."""

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from parkportal.core.models import Job
from refunds.models import AuditEvent, AuditSeal, ChainVerification
from refunds.services.audit import audit_chain_verify, audit_seal_pending
from refunds.tasks import verify_audit_chain
from tests.refunds.api_support import api, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(cases, mark):
    """A case walked to approval, its events sealed into the chain."""
    refund = cases.approved([mark])
    audit_seal_pending()
    return refund


def _raw(*statements) -> None:
    """Run SQL as someone with direct database access would. On PostgreSQL
    that takes a superuser switching the append-only triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        try:
            for sql, params in statements:
                cursor.execute(sql, params)
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET session_replication_role = origin")


def _tamper(event_id: int) -> None:
    _raw(
        (
            "UPDATE refunds_auditevent SET actor_name = %s WHERE id = %s",
            ["somebody-else", event_id],
        )
    )


def _remove(event_id: int) -> None:
    _raw(
        ("DELETE FROM refunds_auditseal WHERE event_id = %s", [event_id]),
        ("DELETE FROM refunds_auditevent WHERE id = %s", [event_id]),
    )


def _middle_event(refund) -> AuditEvent:
    events = list(AuditEvent.objects.filter(refund=refund).order_by("id"))
    return events[len(events) // 2]


def test_verify_audit_reports_an_intact_chain(trail, capsys):
    call_command("verify_audit")

    output = capsys.readouterr().out
    total = AuditSeal.objects.count()
    assert total == AuditEvent.objects.count() > 5
    assert (
        f"Audit chain holds: {total} links checked, 0 events not yet sealed." in output
    )
    assert ChainVerification.objects.get().checked == total


def test_verify_audit_seals_pending_events_first(cases, capsys):
    cases.draft()

    call_command("verify_audit")

    assert AuditEvent.objects.filter(seal__isnull=True).count() == 0
    assert "Audit chain holds" in capsys.readouterr().out


def test_verify_audit_finds_an_edited_event_and_where(trail):
    event = _middle_event(trail)
    _tamper(event.pk)

    with pytest.raises(CommandError) as broken:
        call_command("verify_audit")

    assert broken.value.returncode == 1
    assert str(broken.value) == (
        f"Audit chain broken at link {event.seal.position} "
        f"(event {event.pk}): event content changed."
    )


# The command line closes the database connection when it ends, which only
# a test with real transactions survives. Such tests start from an emptied
# database, without the approval policy: a draft's events are enough here.
@pytest.mark.django_db(transaction=True)
def test_verify_audit_exits_with_status_one_when_broken(cases, capsys):
    refund = cases.draft()
    audit_seal_pending()
    event = _middle_event(refund)
    position = event.seal.position
    _tamper(event.pk)

    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", "verify_audit"])

    assert exit_status.value.code == 1
    captured = capsys.readouterr()
    assert f"{position - 1} links checked before the break" in captured.out
    assert f"broken at link {position} " in captured.err


def test_verify_audit_finds_a_removed_event(trail):
    event = _middle_event(trail)
    position = event.seal.position
    _remove(event.pk)

    with pytest.raises(CommandError) as broken:
        call_command("verify_audit")

    assert f"broken at link {position} " in str(broken.value)
    assert "missing seal" in str(broken.value)


def test_an_edit_of_a_seal_is_found_too(trail):
    seal = AuditSeal.objects.order_by("position")[2]
    _raw(
        (
            "UPDATE refunds_auditseal SET hash = %s WHERE position = %s",
            ["f" * 64, seal.position],
        )
    )

    with pytest.raises(CommandError) as broken:
        call_command("verify_audit")

    assert f"broken at link {seal.position} " in str(broken.value)


def test_the_api_walks_the_chain_in_a_job_and_answers_the_latest_walk(
    trail, audrey, django_capture_on_commit_callbacks
):
    client = api(audrey)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/audit/verify/")
    before = client.get("/api/v1/audit/verify/").json()
    event = _middle_event(trail)
    _tamper(event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/audit/verify/")
    after = client.get("/api/v1/audit/verify/").json()

    assert started.status_code == 202
    assert started.json() == {"job": Job.objects.earliest("id").pk, "status": "queued"}
    assert before["intact"] is True
    assert before["checked"] == AuditSeal.objects.count()
    assert before["requested_by"] == "audrey"
    assert after["intact"] is False
    assert after["broken_at"] == event.seal.position
    assert after["event_id"] == event.pk
    assert after["problem"] == "event content changed"
    assert after["finished_at"] >= before["finished_at"]


def test_the_api_says_when_the_chain_was_never_verified(trail, audrey):
    response = api(audrey).get("/api/v1/audit/verify/")

    assert response.status_code == 404
    assert response.json()["message"] == "The audit trail has not been verified yet."


def test_managers_read_the_latest_walk_but_only_auditors_start_one(trail, mark):
    audit_chain_verify(actor=None)
    client = api(mark)

    assert client.get("/api/v1/audit/verify/").json()["requested_by"] is None
    assert client.post("/api/v1/audit/verify/").status_code == 403
    assert not Job.objects.exists()


def test_an_auditor_asking_again_is_sent_to_the_walk_still_waiting(trail, audrey):
    client = api(audrey)

    first = client.post("/api/v1/audit/verify/").json()
    second = client.post("/api/v1/audit/verify/").json()

    assert first == second
    assert Job.objects.count() == 1


def test_a_walk_reports_its_progress_and_records_what_it_found(trail, audrey):
    reports = []

    verification = audit_chain_verify(
        actor=audrey, progress=lambda done, total: reports.append((done, total))
    )

    links = AuditSeal.objects.count()
    assert (verification.intact, verification.checked) == (True, links)
    assert verification.requested_by == audrey
    assert verification.started_at <= verification.finished_at
    assert reports == []  # fewer links than one report's worth
    assert ChainVerification.objects.get() == verification


def test_a_long_walk_reports_every_ten_thousand_links(trail, monkeypatch):
    monkeypatch.setattr("refunds.services.audit.PROGRESS_EVERY", 2)
    reports = []

    audit_chain_verify(progress=lambda done, total: reports.append((done, total)))

    links = AuditSeal.objects.count()
    assert reports == [(done, links) for done in range(2, links + 1, 2)]


def test_the_nightly_task_records_a_walk_nobody_asked_for(trail):
    verification_id = verify_audit_chain()

    verification = ChainVerification.objects.get(pk=verification_id)
    assert verification.intact
    assert verification.requested_by is None


def test_the_audit_trail_of_one_case_newest_first(trail, cases, audrey):
    other = cases.draft()
    client = api(audrey)

    response = client.get("/api/v1/audit/events/", {"refund": trail.pk})

    rows = response.json()["results"]
    assert response.status_code == 200
    assert {row["refund"] for row in rows} == {trail.pk}
    ids = [row["id"] for row in rows]
    assert ids == sorted(ids, reverse=True)
    # The final approval is the last lifecycle event; finance's earmark
    # follows it in the same transaction.
    lifecycle = [row for row in rows if row["action"].startswith("refund.")]
    assert lifecycle[0]["action"] == "refund.approve"
    assert rows[0]["seal_position"] is not None
    assert other.pk not in {row["refund"] for row in rows}


def test_the_audit_trail_filters_by_object(trail, audrey):
    document = trail.documents.first()

    response = api(audrey).get(
        "/api/v1/audit/events/",
        {"object_type": "refunds.document", "object_id": document.pk},
    )

    rows = response.json()["results"]
    assert [row["action"] for row in rows] == ["document.upload"]


def test_a_transition_writes_one_event_with_before_and_after(cases, olivia, audrey):
    refund = cases.under_review()

    step(refund, "request_info", olivia, comment="Lease end date?")

    rows = api(audrey).get("/api/v1/audit/events/", {"refund": refund.pk}).json()
    latest = rows["results"][0]
    assert latest["action"] == "refund.request_info"
    assert latest["actor_name"] == "olivia"
    assert latest["before"] == {"state": "under_review"}
    assert latest["after"] == {"state": "info_requested", "comment": "Lease end date?"}


@pytest.mark.parametrize("reader", ["audrey", "mark", "diana"])
def test_auditors_and_managers_read_the_trail(trail, request, reader):
    audit_chain_verify()
    client = api(request.getfixturevalue(reader))

    assert client.get("/api/v1/audit/events/").status_code == 200
    assert client.get("/api/v1/audit/verify/").status_code == 200


@pytest.mark.parametrize("reader", ["alice", "olivia", "fiona", "rita", "carl"])
def test_others_may_not_read_the_trail(trail, request, reader):
    client = api(request.getfixturevalue(reader))

    assert client.get("/api/v1/audit/events/").status_code == 403
    assert client.get("/api/v1/audit/verify/").status_code == 403


def test_verify_audit_can_leave_pending_events_unsealed(cases, capsys):
    cases.draft()
    pending = AuditEvent.objects.filter(seal__isnull=True).count()

    call_command("verify_audit", "--no-seal")

    assert pending > 0
    assert AuditEvent.objects.filter(seal__isnull=True).count() == pending
    assert (
        f"0 links checked, {pending} events not yet sealed." in capsys.readouterr().out
    )
    assert not ChainVerification.objects.exists()
