"""The deadline scan with a real Celery worker and beat, against Redis and
PostgreSQL: a due reminder is delivered once, a worker killed mid-task
loses and duplicates nothing, a rolled-back transaction sends nothing.

The worker and beat are subprocesses pointed at this test run's database
and at an SMTP sink in this process, so delivery is observed where it
happens: on the wire.
"""

import datetime
import os
import re
import signal
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from operations.models import Alert, AlertKind, Notification, Stage, StageClock
from operations.services.notifications import notify
from parkportal.core import clock

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="needs DATABASE_URL pointing at PostgreSQL",
    ),
    pytest.mark.skipif(not BROKER_URL, reason="needs CELERY_BROKER_URL (Redis)"),
]


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend; every message is kept."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 sink ready")
        recipients = []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "RCPT":
                recipients.append(re.search(r"<(.*)>", command).group(1))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                self.server.messages.append((recipients, self._read_data()))
                recipients = []
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")

    def _read_data(self) -> str:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line.decode(errors="replace"))
        return "".join(lines)


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages = []

    def with_message_id(self, notification_id: int) -> list:
        marker = f"<notification-{notification_id}@parkportal>"
        return [m for m in self.messages if marker in m[1]]


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.fixture
def celery_env(transactional_db, smtp_sink, tmp_path):
    """Environment for worker and beat: this run's test database, the
    sink for mail, a one-second deadline scan."""
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@"
        f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "parkportal.settings",
        "DEBUG": "1",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.server_address[1]),
        "OPERATIONS_SCAN_SECONDS": "1",
        "PARKPORTAL_DATA_DIR": str(tmp_path),
    }
    yield env
    redis.Redis.from_url(BROKER_URL).flushdb()


class Processes:
    def __init__(self, env, tmp_path):
        self.env = env
        self.tmp_path = tmp_path
        self.running = []

    def _start(self, *arguments, name):
        log = open(self.tmp_path / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "parkportal", *arguments],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def worker(self, name: str, concurrency: int = 1):
        return self._start(
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
            name=name,
        )

    def beat(self):
        return self._start(
            "beat",
            "--loglevel=INFO",
            f"--schedule={self.tmp_path / 'beat-schedule'}",
            name="beat",
        )

    @staticmethod
    def kill(process, sig=signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        process.wait(timeout=30)

    def stop_all(self):
        for process in self.running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(process)


@pytest.fixture
def processes(celery_env, tmp_path):
    group = Processes(celery_env, tmp_path)
    yield group
    group.stop_all()


def wait_for(condition, timeout=60.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not met within {timeout}s: {condition.__doc__}")


@pytest.fixture
def due_case(cases, olivia, celery_env, smtp_sink):
    """A case in review whose reminder fell due a minute ago and whose
    deadline is a day away."""
    from operations.models import SlaTarget

    for stage in (Stage.REVIEW, Stage.TOTAL):
        SlaTarget.objects.get_or_create(
            stage=stage, channel="standard", defaults={"business_hours": 80}
        )
    refund = cases.under_review()
    now = clock.now()
    StageClock.objects.filter(refund=refund, stage=Stage.REVIEW).update(
        remind_at=now - datetime.timedelta(minutes=1),
        deadline=now + datetime.timedelta(days=1),
    )
    return refund


def reminder_mails(sink, refund):
    alert = Alert.objects.filter(refund=refund, kind=AlertKind.REMINDER).first()
    if alert is None:
        return []
    notices = Notification.objects.filter(alert=alert)
    return [mail for notice in notices for mail in sink.with_message_id(notice.pk)]


def test_a_due_reminder_is_delivered_once_with_two_workers_and_beat(
    due_case, processes, smtp_sink, olivia
):
    processes.worker("first", concurrency=2)
    processes.worker("second", concurrency=2)
    processes.beat()

    def delivered():
        """the reminder reaches the sink"""
        return reminder_mails(smtp_sink, due_case)

    wait_for(delivered)
    time.sleep(5)  # several more scans, on both workers

    assert Alert.objects.filter(refund=due_case).count() == 1
    mails = reminder_mails(smtp_sink, due_case)
    assert len(mails) == 1
    assert mails[0][0] == [olivia.email]
    assert Notification.objects.filter(alert__refund=due_case).count() == 1


def _backends_waiting_on_a_lock(database: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND wait_event_type = 'Lock'",
            [database],
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_during_the_scan_loses_and_duplicates_nothing(
    due_case, processes, smtp_sink, celery_env
):
    import psycopg2

    database = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        password=database["PASSWORD"],
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
    )
    # Hold the case's row lock so that the worker's scan stops inside its
    # transaction, right where it would insert the alert.
    blocker.cursor().execute(
        "SELECT id FROM refunds_refundrequest WHERE id = %s FOR UPDATE", [due_case.pk]
    )
    doomed = processes.worker("doomed")
    processes.beat()

    def stuck():
        """the worker's scan waits on the case lock"""
        return _backends_waiting_on_a_lock(database["NAME"]) > 0

    wait_for(stuck)
    processes.kill(doomed)
    blocker.rollback()
    blocker.close()
    assert not Alert.objects.filter(refund=due_case).exists()

    processes.worker("survivor")

    def delivered():
        """the reminder reaches the sink after the kill"""
        return reminder_mails(smtp_sink, due_case)

    wait_for(delivered)
    time.sleep(4)

    assert Alert.objects.filter(refund=due_case).count() == 1
    assert len(reminder_mails(smtp_sink, due_case)) == 1


@pytest.fixture
def published():
    """This process publishes its tasks to the broker instead of running
    them itself, so that the worker is the one that sends the mail."""
    from parkportal.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_a_rolled_back_transaction_sends_nothing(
    processes, published, smtp_sink, olivia, mark
):
    processes.worker("only")

    with pytest.raises(RuntimeError), transaction.atomic():
        lost = notify(
            recipient=olivia, kind="assigned", params={"reference": "RF-LOST"}
        )
        raise RuntimeError("the caller failed after queueing a notification")
    with transaction.atomic():
        kept = notify(recipient=mark, kind="assigned", params={"reference": "RF-KEPT"})

    def delivered():
        """the committed notification reaches the sink"""
        return smtp_sink.with_message_id(kept.pk)

    wait_for(delivered)
    time.sleep(2)

    assert smtp_sink.with_message_id(lost.pk) == []
    assert [m[0] for m in smtp_sink.messages] == [[mark.email]]
    assert not Notification.objects.filter(pk=lost.pk).exists()
