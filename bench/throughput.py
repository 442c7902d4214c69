"""Requests per second under gunicorn, driven by wrk over loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_10k \
        python bench/throughput.py --seed 10000 --enterprises 50
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parkportal_bench \
        python bench/throughput.py --read-only [--workers 4] [--seconds 15]

Starts gunicorn with several workers (DEBUG off, production settings but
for sessions in signed cookies) on the PostgreSQL database of
DATABASE_URL and measures with wrk:

- `/healthz`, a Django view that touches no database: the framework's own
  ceiling on this server; then the same view signed in as the queue's
  reader, which loads the user;
- the ops queue (`/api/v1/operations/queues/team/?state=under_review`,
  first page, sorted by deadline) as an operations manager signed in by
  session;
- unless --read-only, submissions: prepared drafts submitted through
  `POST /api/v1/refunds/{id}/transitions/submit/` with a token and an
  Idempotency-Key, each draft once, after 16 submissions to warm up.

Then it reads the resident memory of each gunicorn worker after that warm
load. With --seed N the database is first seeded with bench/seed.py to N
cases, as bench/run.py does (a database that holds them already is kept).
With --read-only nothing is seeded or written: the connection is opened
with default_transaction_read_only, and the reader (--reader) must be an
operations manager the seed made.

Submissions publish their side effects to CELERY_BROKER_URL, as a web
process in production does; name a Redis database no worker reads (the
published tasks are left there). Without it they would run in the
request. The table is printed and written as JSON under bench/results/.
"""

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRK = ROOT / "bench" / "wrk"
VENV = Path(sys.executable).parent
QUEUE = "/api/v1/operations/queues/team/?state=under_review"
APPLICANT = "bench-enterprise-1"

sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="bench.throughput_settings",
    DEBUG="false",
    ALLOWED_HOSTS="127.0.0.1",
    LOG_LEVEL="WARNING",
    SESSION_COOKIE_SECURE="false",
    CSRF_COOKIE_SECURE="false",
    # The run submits hundreds of cases as one applicant.
    THROTTLE_SUBMISSION="100000000/hour",
)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parkportal_bench"
)


def _read_only(url: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-c%20default_transaction_read_only%3Don"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session_cookie(username: str) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from parkportal.accounts.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise SystemExit(
            f"no {username} account: run bench/run.py on this database first"
        )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _seed(cases: int, enterprises: int) -> None:
    import django

    from bench.run import _ensure_database, _prepare

    _ensure_database()
    django.setup()
    print("seed:", json.dumps(_prepare(cases, enterprises)))


def _prepare_writes(reader: str, drafts: int) -> dict:
    from rest_framework.authtoken.models import Token

    from bench.api import _client_for, _drafts
    from parkportal.accounts.models import User

    _client_for(reader, "ops_manager")
    started = time.perf_counter()
    ids = _drafts(drafts)
    prepared = time.perf_counter() - started
    token, _ = Token.objects.get_or_create(user=User.objects.get(username=APPLICANT))
    return {
        "drafts": ids,
        "draft_seconds": prepared,
        "token": token.key,
    }


class Server:
    def __init__(self, workers: int, database_url: str):
        self.port = _free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="throughput-gunicorn-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            [
                str(VENV / "gunicorn"),
                "parkportal.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--timeout=120",
            ],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=2):  # nosec B310
                    return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer; see {self.log.name}")

    def worker_rss_mib(self) -> list[float]:
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            sizes.append(round(kib / 1024, 1))
        return sorted(sizes)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def wrk(url: str, *, seconds: float, connections: int, script: str, env: dict) -> dict:
    threads = min(2, connections)
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout=30s",
            "-s",
            str(WRK / script),
            url,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "WRK_THREADS": str(threads)},
        check=True,
    ).stdout
    runtime = re.search(r"requests in ([\d.]+)(m?s)", output)
    seconds_taken = float(runtime.group(1)) / (1000 if runtime.group(2) == "ms" else 1)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "seconds": seconds_taken,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _latency(output, "50%"),
        "p99_ms": _latency(output, "99%"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1).strip() if errors else "",
    }


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, metavar="CASES")
    parser.add_argument("--enterprises", type=int, default=50)
    parser.add_argument("--reader", default="bench-manager-1")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--drafts", type=int, default=600)
    parser.add_argument("--read-only", action="store_true")
    arguments = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    import django

    database_url = os.environ["DATABASE_URL"]
    if arguments.read_only:
        os.environ["DATABASE_URL"] = database_url = _read_only(database_url)
    elif arguments.seed:
        _seed(arguments.seed, arguments.enterprises)
    django.setup()
    from refunds.models import RefundRequest

    cases = RefundRequest.objects.count()
    prepared = (
        {}
        if arguments.read_only
        else _prepare_writes(arguments.reader, arguments.drafts)
    )
    cookie = _session_cookie(arguments.reader)
    from django.db import connection

    connection.close()

    server = Server(arguments.workers, database_url)
    rows = []
    try:
        server.wait()
        common = {"seconds": arguments.seconds, "connections": arguments.connections}
        queue = server.url(QUEUE)
        # Warm-up: every worker imports, connects and fills its caches.
        wrk(
            queue,
            **{**common, "seconds": 5},
            script="get.lua",
            env={"WRK_COOKIE": cookie},
        )
        rows.append(
            (
                "healthz (ceiling)",
                wrk(server.url("/healthz"), **common, script="get.lua", env={}),
            )
        )
        # The same view for the queue's reader: what loading a signed-in
        # user alone leaves of the ceiling.
        rows.append(
            (
                "healthz signed in",
                wrk(
                    server.url("/healthz"),
                    **common,
                    script="get.lua",
                    env={"WRK_COOKIE": cookie},
                ),
            )
        )
        rows.append(
            (
                "ops queue, first page",
                wrk(queue, **common, script="get.lua", env={"WRK_COOKIE": cookie}),
            )
        )
        rss = server.worker_rss_mib()
        if prepared:
            rows.append(("submission", _submissions(server, prepared, common)))
    finally:
        server.stop()
    _report(arguments, cases, rows, rss)


def _submissions(server: Server, prepared: dict, common: dict) -> dict:
    from refunds.models import RefundRequest

    # The first drafts warm each worker's submission path (receivers, the
    # risk engine, the broker connection); the rest are measured.
    warm, measured = prepared["drafts"][:WARM_DRAFTS], prepared["drafts"][WARM_DRAFTS:]
    env = {"WRK_TOKEN": prepared["token"]}
    wrk(
        server.url("/"),
        **{**common, "seconds": 5},
        script="submit.lua",
        env={**env, "WRK_IDS": _ids_file(warm)},
    )
    result = wrk(
        server.url("/"),
        **common,
        script="submit.lua",
        env={**env, "WRK_IDS": _ids_file(measured)},
    )
    submitted = (
        RefundRequest.objects.filter(pk__in=measured).exclude(state="draft").count()
    )
    # Requests past the prepared drafts replay a stored answer; only the
    # cases that really moved count.
    result["submitted"] = submitted
    result["rps"] = submitted / result["seconds"]
    return result


def _ids_file(ids: list[int]) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False) as file:
        file.write("\n".join(str(i) for i in ids))
    return file.name


WARM_DRAFTS = 16
QUEUE_SHARE_GOAL = 0.5


def _report(arguments, cases: int, rows: list, rss: list[float]) -> None:
    ceiling = rows[0][1]["rps"]
    print(
        f"\n{cases} cases, gunicorn --workers {arguments.workers}, "
        f"wrk {arguments.connections} connections x {arguments.seconds:g} s"
    )
    print("| endpoint | requests | req/s | × ceiling | p50 ms | p99 ms | non-2xx |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows:
        print(
            f"| {name} | {row['requests']} | {row['rps']:.1f} | {row['rps'] / ceiling:.2f} "
            f"| {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['non_2xx']} |"
        )
    print(f"RSS per web worker after the warm load (MiB): {rss}")
    queue = dict(rows)["ops queue, first page"]["rps"] / ceiling
    verdict = "met" if queue >= QUEUE_SHARE_GOAL else "NOT met"
    print(
        f"goal: {verdict}, the queue at {queue:.2f} of the ceiling "
        f"(at least {QUEUE_SHARE_GOAL:g})"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"throughput-{stamp}-{cases}.json"
    path.write_text(
        json.dumps(
            {
                "cases": cases,
                "workers": arguments.workers,
                "connections": arguments.connections,
                "seconds": arguments.seconds,
                "rows": dict(rows),
                "worker_rss_mib": rss,
            },
            indent=2,
        )
    )
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
