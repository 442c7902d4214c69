"""Real Celery tasks and a real HTTP receiver for the core's tests.

Without a broker the project runs tasks in process, so the tasks below run
for real when the outbox relay publishes them."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import shared_task
from django.db import OperationalError

from parkportal.core.taskbase import RetryingTask

RECORDED: list[dict] = []


@shared_task(name="tests.core.record_call")
def record_call(**kwargs):
    RECORDED.append(kwargs)


@shared_task(name="tests.core.always_fails")
def always_fails(**kwargs):
    raise RuntimeError("the downstream service refused")


@shared_task(
    name="tests.core.flaky_call",
    base=RetryingTask,
    bind=True,
    retry_backoff=1,
    retry_backoff_max=2,
)
def flaky_call(self, fail_times: int = 0, **kwargs):
    """Fails with a passing database error on its first `fail_times` runs."""
    RECORDED.append(kwargs)
    if self.request.retries < fail_times:
        raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def task_calls():
    RECORDED.clear()
    yield RECORDED
    RECORDED.clear()


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every request it got and
    answers with the next status code from `answers` (200 when empty)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def documents(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


@pytest.fixture
def webhook_receiver():
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
