"""A bounded mixed load over loopback, spread over the web processes.

    python -m bench.prodload.driver --ports 8001,8002 --seconds 180 \
        --setup setup.json --control DIR --smtp-port 2525 --out load.json

Enterprise users apply (with an Idempotency-Key), attach their documents
and submit; ops specialists read their queue and forward assessed cases;
the risk officer clears held cases; the manager and the director read
the cases waiting for approval and approve the ones whose turn is theirs;
finance tops the pool up, four eyes. Every POST carries an Idempotency-Key and is retried with the same
key on the other web process when a connection fails, as a client behind
a load balancer would. Only 127.0.0.1 is ever contacted, by a fixed number
of threads, for a fixed time.
"""

import argparse
import json
import random
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import requests

from bench.prodload.smtp import SmtpSink


def _pdf(marker: str) -> bytes:
    # Each file is different: the same bytes attached by two enterprises
    # is a risk signal that would put every case on hold.
    return f"%PDF-1.4\n% {marker}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".encode()


TIMEOUT = 15
ATTEMPTS = 8
PASSWORD = "parkportal-demo"


class Web:
    """The web processes behind one address, as a load balancer sees
    them: a refused connection moves the request to the next one."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.lock = threading.Lock()
        self.counts = Counter()
        self.retried = 0
        self.turn = 0

    def _next_base(self) -> str:
        with self.lock:
            self.turn += 1
            return f"http://127.0.0.1:{self.ports[self.turn % len(self.ports)]}"

    def call(self, session, kind, method, path, *, key=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if key:
            headers["Idempotency-Key"] = key
        for attempt in range(ATTEMPTS):
            try:
                response = session.request(
                    method,
                    self._next_base() + path,
                    headers=headers,
                    timeout=TIMEOUT,
                    **kwargs,
                )
            except requests.RequestException:
                response = None
            if response is not None and response.status_code not in (502, 503):
                self._count(kind, response.status_code)
                return response
            with self.lock:
                self.retried += 1
            time.sleep(min(0.2 * 2**attempt, 2))
        self._count(kind, "failed")
        return None

    def _count(self, kind, status) -> None:
        with self.lock:
            self.counts[f"{kind} {status}"] += 1


class Load:
    def __init__(self, web: Web, setup: dict, deadline: float, faults_done: Path):
        self.web = web
        self.faults_done = faults_done
        self.setup = setup
        self.deadline = deadline
        self.lock = threading.Lock()
        self.created, self.submitted, self.forwarded = [], [], []
        self.approved, self.top_ups, self.cleared = [], [], []

    def running(self) -> bool:
        # The load also lasts until the last fault is over, however long
        # the restarts took, so that every fault happens under load.
        return time.monotonic() < self.deadline or not self.faults_done.exists()

    def note(self, bucket: list, item) -> None:
        with self.lock:
            bucket.append(item)

    def session(self, username: str) -> requests.Session:
        session = requests.Session()
        response = self.web.call(
            session,
            "token",
            "POST",
            "/api/v1/auth/token/",
            json={"username": username, "password": PASSWORD},
        )
        if response is None or response.status_code != 200:
            raise RuntimeError(f"no token for {username}: {response}")
        session.headers["Authorization"] = f"Token {response.json()['token']}"
        session.headers["Accept-Language"] = "en"
        return session

    def applicant(self, username: str, seed: int) -> None:
        rng = random.Random(seed)
        session = self.session(username)
        applicant = self.setup["applicants"][username]
        while self.running():
            key = str(uuid.uuid4())
            large = rng.random() < 0.15
            amount = Decimal(
                rng.randint(150_000, 400_000) if large else rng.randint(1_000, 60_000)
            )
            body = {
                "contract": applicant["contract"],
                "reason": "deposit",
                "description": f"load {key}",
                "amount": str(amount),
                "currency": "CNY",
                **applicant["payee"],
            }
            response = self.web.call(
                session, "create", "POST", "/api/v1/refunds/", key=key, json=body
            )
            if response is None or response.status_code != 201:
                continue
            case = response.json()
            self.note(self.created, {"id": case["id"], "key": key, "user": username})
            for kind in ("contract", "bank_proof"):
                self.web.call(
                    session,
                    "document",
                    "POST",
                    f"/api/v1/refunds/{case['id']}/documents/",
                    data={"kind": kind},
                    files={
                        "file": (
                            f"{kind}.pdf",
                            _pdf(f"{key} {kind}"),
                            "application/pdf",
                        )
                    },
                )
            response = self.web.call(
                session,
                "submit",
                "POST",
                f"/api/v1/refunds/{case['id']}/transitions/submit/",
                key=str(uuid.uuid4()),
                json={},
            )
            if response is not None and response.status_code == 200:
                self.note(self.submitted, case["id"])
            if rng.random() < 0.3:
                self.web.call(session, "own list", "GET", "/api/v1/refunds/")

    def specialist(self, username: str) -> None:
        session = self.session(username)
        while self.running():
            response = self.web.call(
                session,
                "queue",
                "GET",
                "/api/v1/operations/queues/mine/?state=under_review",
            )
            if response is None or response.status_code != 200:
                continue
            ready = [c for c in response.json()["results"] if c["risk_level"]]
            for case in ready[:5]:
                answer = self.web.call(
                    session,
                    "forward",
                    "POST",
                    f"/api/v1/refunds/{case['id']}/transitions/forward/",
                    key=str(uuid.uuid4()),
                    json={},
                )
                if answer is not None and answer.status_code == 200:
                    self.note(self.forwarded, case["id"])
            if not ready:
                time.sleep(0.5)

    def approver(self, username: str) -> None:
        session = self.session(username)
        while self.running():
            response = self.web.call(
                session, "approvals", "GET", "/api/v1/refunds/?state=pending_approval"
            )
            if response is None or response.status_code != 200:
                continue
            mine = 0
            for case in response.json()["results"][:10]:
                steps = self.web.call(
                    session,
                    "transitions",
                    "GET",
                    f"/api/v1/refunds/{case['id']}/transitions/",
                )
                if steps is None or "approve" not in _names(steps):
                    continue
                mine += 1
                answer = self.web.call(
                    session,
                    "approve",
                    "POST",
                    f"/api/v1/refunds/{case['id']}/transitions/approve/",
                    key=str(uuid.uuid4()),
                    json={},
                )
                if answer is not None and answer.status_code == 200:
                    self.note(self.approved, (username, case["id"]))
            if not mine:
                time.sleep(0.5)

    def risk_officer(self, username: str) -> None:
        session = self.session(username)
        while self.running():
            response = self.web.call(
                session, "holds", "GET", "/api/v1/refunds/?state=on_hold"
            )
            if response is None or response.status_code != 200:
                continue
            held = response.json()["results"][:5]
            for case in held:
                answer = self.web.call(
                    session,
                    "clear",
                    "POST",
                    f"/api/v1/refunds/{case['id']}/transitions/clear/",
                    key=str(uuid.uuid4()),
                    json={"comment": "Checked by the load."},
                )
                if answer is not None and answer.status_code == 200:
                    self.note(self.cleared, case["id"])
            if not held:
                time.sleep(1)

    def treasurer(self) -> None:
        officer, director = self.session("finance"), self.session("director")
        while self.running():
            time.sleep(10)
            response = self.web.call(
                officer,
                "top-up",
                "POST",
                "/api/v1/finance/top-ups/",
                key=str(uuid.uuid4()),
                json={"amount": "2000000.00", "note": "load"},
            )
            if response is None or response.status_code != 201:
                continue
            top_up = response.json()["id"]
            answer = self.web.call(
                director,
                "confirm",
                "POST",
                f"/api/v1/finance/top-ups/{top_up}/confirm/",
                key=str(uuid.uuid4()),
            )
            if answer is not None and answer.status_code == 200:
                self.note(self.top_ups, top_up)


def _names(response) -> list[str]:
    if response.status_code != 200:
        return []
    return [
        step["name"] if isinstance(step, dict) else step
        for step in response.json()["transitions"]
    ]


def _wait_for(ports: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for port in ports:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"web on port {port} never answered")
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", required=True)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--setup", type=Path, required=True)
    parser.add_argument("--control", type=Path, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    arguments = parser.parse_args()

    sink = SmtpSink(arguments.smtp_port, arguments.control)
    sink.start()
    (arguments.control / "driver-ready").touch()
    ports = [int(port) for port in arguments.ports.split(",")]
    _wait_for(ports, 120)

    web = Web(ports)
    load = Load(
        web,
        json.loads(arguments.setup.read_text()),
        0,
        arguments.control / "faults-done",
    )
    started = time.monotonic()
    load.deadline = started + arguments.seconds
    actors = [
        *(
            (load.applicant, (name, n))
            for n, name in enumerate(load.setup["applicants"])
        ),
        *(
            (load.applicant, (name, n + 10))
            for n, name in enumerate(load.setup["applicants"])
        ),
        (load.specialist, ("ops",)),
        (load.specialist, ("ops2",)),
        (load.approver, ("manager",)),
        (load.approver, ("director",)),
        (load.risk_officer, ("risk",)),
        (load.treasurer, ()),
    ]
    threads = [threading.Thread(target=work, args=args) for work, args in actors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    summary = {
        "seconds": round(elapsed, 1),
        "requests": sum(web.counts.values()),
        "retried_on_other_web": web.retried,
        "by_kind": dict(sorted(web.counts.items())),
        "created": load.created,
        "submitted": load.submitted,
        "forwarded": load.forwarded,
        "approved": load.approved,
        "top_ups": load.top_ups,
        "cleared": load.cleared,
    }
    arguments.out.write_text(json.dumps(summary, indent=1))
    # The sink stays up while the checks wait for the workers to drain.
    stop = arguments.control / "stop-driver"
    while not stop.exists():
        time.sleep(0.5)
    (arguments.control / "mail.json").write_text(json.dumps(sink.messages))
    sink.shutdown()


if __name__ == "__main__":
    main()
