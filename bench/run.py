"""parkportal benchmark at park scale.

    python bench/run.py [--cases 1000000] [--enterprises 5000] [--repeat 30]

Seeds PostgreSQL (DATABASE_URL, default the local parkportal_bench
database) unless it already holds that many cases, then times each
measured read through parkportal and through the best hand-written SQL for
the same rows, in the same process, and prints the ratios. The table is
also written as JSON under bench/results/ for comparison between commits.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")
os.environ.setdefault("SECRET_KEY", "parkportal-benchmark-only-secret-key-0123456789")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/parkportal_bench"
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def _ensure_database() -> None:
    import psycopg2

    from parkportal.env import database_from_url

    config = database_from_url(os.environ["DATABASE_URL"])
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"],
        host=config["HOST"],
        port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def _prepare(cases: int, enterprises: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from bench.seed import seed

    call_command("migrate", verbosity=0)
    if _seeded_size() == (cases, enterprises):
        return {"seeded": False, **_audit_trail()}
    tables = [
        "accounts_user_groups",
        "operations_specialistprofile",
        "operations_stageclock",
        "refunds_approvalstep",
        "finance_ledgerentry",
        "finance_earmark",
        "finance_topup",
        "refunds_timelineentry",
        "dashboard_stagevisit",
        "dashboard_monthlyflow",
        "refunds_refundrequest",
        "accounts_contract",
        "accounts_user",
        "accounts_enterprise",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("COMMENT ON TABLE refunds_auditevent IS NULL")
    figures = seed(cases=cases, enterprises=enterprises)
    # Each run adds its own drafts and submissions, so the row counts no
    # longer tell which seed the database holds: the seed signs its table.
    with connection.cursor() as cursor:
        cursor.execute(
            f"COMMENT ON TABLE refunds_refundrequest IS '{SEED_MARK}{cases} {enterprises}'"
        )
    return {"seeded": True, **figures, **_audit_trail()}


SEED_MARK = "bench seed: "
AUDIT_MARK = "bench audit trail"


def _audit_trail() -> dict:
    """Seed the audit trail of the seeded history once: databases seeded
    before the benchmark wrote one get it on their next run."""
    from django.db import connection

    from bench.seed_audit import seed_audit_trail

    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description('refunds_auditevent'::regclass)")
        if cursor.fetchone()[0] == AUDIT_MARK:
            return {}
    figures = seed_audit_trail()
    with connection.cursor() as cursor:
        cursor.execute(f"COMMENT ON TABLE refunds_auditevent IS '{AUDIT_MARK}'")
    return {"audit": figures}


def _seeded_size() -> tuple[int, int] | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT obj_description('refunds_refundrequest'::regclass)")
        comment = cursor.fetchone()[0] or ""
    if not comment.startswith(SEED_MARK):
        return None
    cases, enterprises = comment.removeprefix(SEED_MARK).split()
    return int(cases), int(enterprises)


def _reader():
    from parkportal.accounts.models import User
    from parkportal.accounts.services import user_grant_role

    user, _ = User.objects.get_or_create(username="bench-committee")
    user_grant_role(user=user, role="committee")
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument(
        "--only", default="", help="comma-separated measure names to run alone"
    )
    parser.add_argument(
        "--skip-refresh",
        action="store_true",
        help="keep the dashboard summaries an earlier run rebuilt",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (when needed) and stop"
    )
    arguments = parser.parse_args()

    _ensure_database()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench import api, dashboard, desks, goals
    from bench.measure import table, time_it
    from finance.forecast import stage_statistics_refresh
    from parkportal.core import clock
    from parkportal.dashboard.services import summaries_refresh

    preparation = _prepare(arguments.cases, arguments.enterprises)
    print("seed:", json.dumps(preparation), flush=True)
    if arguments.seed_only:
        return
    if not arguments.skip_refresh:
        refresh = time_it(
            "refresh_summaries", summaries_refresh, repeat=1, warmup=0, trace=False
        )
        print(f"summaries rebuilt in {refresh.p50:.0f} ms", flush=True)
        statistics = time_it(
            "refresh_stage_statistics",
            stage_statistics_refresh,
            repeat=1,
            warmup=0,
            trace=False,
        )
        print(f"forecast statistics rebuilt in {statistics.p50:.0f} ms", flush=True)

    client = Client()
    client.force_login(_reader())
    suites = [
        dashboard.measurements(client, clock.today()),
        api.measurements(arguments.repeat, WARMUP),
        desks.measurements(),
    ]
    only = set(filter(None, arguments.only.split(",")))
    rows = []
    for calls, floors in suites:
        for name, call in calls.items():
            if only and name not in only:
                continue
            rows.append(
                _measure(connection, name, call, floors.get(name), arguments.repeat)
            )
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    print(goals.report(rows))
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"process peak RSS: {max_rss} MiB")
    _write(arguments, preparation, rows, max_rss)


WARMUP = 3


def _measure(connection, name, call, floor_statements, repeat) -> dict:
    from bench.measure import raw_sql_call, time_it

    timing = time_it(name, call, repeat=repeat, warmup=WARMUP)
    row = {
        "name": name,
        "p50_ms": timing.p50,
        "p95_ms": timing.p95,
        "peak_kib": timing.peak_kib,
    }
    if floor_statements == []:
        row["floor_note"] = "(no SQL)"
    if floor_statements:
        floor = time_it(name, raw_sql_call(connection, floor_statements), repeat=repeat)
        row.update(
            floor_p50_ms=floor.p50,
            floor_p95_ms=floor.p95,
            ratio_p50=timing.p50 / floor.p50,
            ratio_p95=timing.p95 / floor.p95,
        )
    return row


def _write(arguments, preparation, rows, max_rss) -> None:
    from bench import goals

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results / f"{stamp}-{commit or 'nocommit'}.json"
    path.write_text(
        json.dumps(
            {
                "commit": commit,
                "cases": arguments.cases,
                "repeat": arguments.repeat,
                "seed": preparation,
                "rows": rows,
                "goals": [
                    {**asdict(verdict), "met": verdict.met}
                    for verdict in goals.verdicts(rows)
                ],
                "peak_rss_mib": max_rss,
            },
            indent=2,
        )
    )
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
