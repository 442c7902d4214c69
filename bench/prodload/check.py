"""The invariants of a bin/prod-load run, read from the database through
the application's own services, the load's record and the mail sink's.

    python -m bench.prodload.check drain --since T [--timeout 240]
    python -m bench.prodload.check verify --since T --run-dir DIR

`drain` waits until the outbox has nothing pending and every notification
of the run has been mailed; `verify` prints the figures and exits 1 when
any invariant fails.
"""

import argparse
import json
import os
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parkportal.settings")
    django.setup()


def _backlog(since: datetime) -> dict:
    from operations.models import Notification
    from parkportal.core.models import OutboxMessage, OutboxStatus

    return {
        "outbox_pending": OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING
        ).count(),
        "notifications_unmailed": Notification.objects.filter(
            created_at__gte=since, email_wanted=True, emailed_at__isnull=True
        ).count(),
    }


def drain(since: datetime, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    while True:
        backlog = _backlog(since)
        if not any(backlog.values()) or time.monotonic() > deadline:
            break
        time.sleep(2)
    print(f"drained after {time.monotonic() - started:.0f} s: {json.dumps(backlog)}")
    return 0


class Report:
    def __init__(self):
        self.rows = []

    def check(self, label: str, holds: bool) -> None:
        self.rows.append(("ok  " if holds else "FAIL") + f"  {label}")

    @property
    def failed(self) -> int:
        return sum(row.startswith("FAIL") for row in self.rows)


def _cases(report: Report, load: dict, since: datetime) -> None:
    from refunds.models import RefundRequest

    created = load["created"]
    rows = {
        row["id"]: row
        for row in RefundRequest.objects.filter(
            pk__in=[case["id"] for case in created]
        ).values("id", "description", "applicant__username", "state")
    }
    present = sum(
        case["id"] in rows
        and rows[case["id"]]["description"] == f"load {case['key']}"
        and rows[case["id"]]["applicant__username"] == case["user"]
        for case in created
    )
    report.check(
        f"cases the load was told were created: {present} of {len(created)} present",
        present == len(created),
    )
    keys = Counter(
        RefundRequest.objects.filter(
            created_at__gte=since, description__startswith="load "
        ).values_list("description", flat=True)
    )
    twice = sum(1 for count in keys.values() if count > 1)
    report.check(
        f"cases with a load key made in the run: {sum(keys.values())}, "
        f"{len(keys)} keys, {twice} keys made two cases",
        twice == 0 and set(keys) == {f"load {c['key']}" for c in created},
    )
    still_draft = [
        i for i in load["submitted"] if rows.get(i, {}).get("state") == "draft"
    ]
    report.check(
        f"submissions acknowledged: {len(load['submitted'])}, {len(still_draft)} still drafts",
        not still_draft,
    )


def _approvals(report: Report, load: dict) -> None:
    from refunds.models import ApprovalStep

    signed = set(
        ApprovalStep.objects.filter(
            status="approved", refund_id__in=[i for _, i in load["approved"]]
        ).values_list("decided_by__username", "refund_id")
    )
    missing = [pair for pair in load["approved"] if tuple(pair) not in signed]
    report.check(
        f"approvals acknowledged: {len(load['approved'])}, {len(missing)} without a signed step",
        not missing,
    )


def _money(report: Report, load: dict) -> dict:
    from finance.models import Earmark, LedgerEntry, TopUp
    from finance.services.pool import ledger_check
    from refunds.models import RefundRequest

    ledger = ledger_check()
    pool = ledger["pools"][0] if ledger["pools"] else {}
    entries = LedgerEntry.objects.count()
    report.check(
        f"ledger of {entries} entries sums to the pool: balance {pool.get('ledger_balance')} "
        f"= {pool.get('stored_balance')}, earmarked {pool.get('ledger_earmarked')} "
        f"= {pool.get('stored_earmarked')} = held {pool.get('held_earmarks')}",
        ledger["consistent"],
    )
    approved = RefundRequest.objects.filter(state="approved")
    without = approved.exclude(earmark__status__in=["held", "awaiting_funds"]).count()
    unbooked = (
        Earmark.objects.filter(status="held")
        .exclude(refund__pool_entries__kind="earmark")
        .count()
    )
    report.check(
        f"approved cases: {approved.count()}, {without} without an earmark, "
        f"{unbooked} held earmarks without a ledger entry",
        without == 0 and unbooked == 0,
    )
    confirmed = TopUp.objects.filter(pk__in=load["top_ups"], status="confirmed")
    booked = LedgerEntry.objects.filter(top_up__in=confirmed, kind="top_up").count()
    report.check(
        f"top-ups acknowledged: {len(load['top_ups'])}, {booked} in the ledger",
        booked == len(load["top_ups"]) == confirmed.count(),
    )
    return {"ledger_entries": entries}


def _audit(report: Report) -> dict:
    from refunds.services.audit import audit_verify

    chain = audit_verify()
    report.check(
        f"audit chain holds: {chain.checked} links, {chain.unsealed} unsealed",
        chain.intact and chain.unsealed == 0,
    )
    return {"audit_links": chain.checked}


def _resent_after_kill(message_id, mail, mailed_at, killed_at) -> bool:
    """A mail the server accepted before the kill and the sweep sent again,
    because the killed worker never committed that it went: the one
    duplicate at-least-once delivery allows, and the stable Message-ID lets
    a mail server drop."""
    times = sorted(t for t, m in mail["accepted"] if m == message_id)
    recorded = mailed_at.get(message_id)
    return (
        killed_at is not None
        and len(times) == 2
        and killed_at - 10 <= times[0] <= killed_at
        and recorded is not None
        and recorded.timestamp() > killed_at
    )


def _effects(
    report: Report, since: datetime, mail: dict, killed_at: float | None
) -> None:
    from django.db.models import Count

    from operations.models import Alert, Notification
    from parkportal.core.models import OutboxMessage, OutboxStatus

    backlog = _backlog(since)
    dead = OutboxMessage.objects.filter(
        status=OutboxStatus.DEAD, created_at__gte=since
    ).count()
    report.check(
        f"outbox: {backlog['outbox_pending']} pending, {dead} dead of "
        f"{OutboxMessage.objects.filter(created_at__gte=since).count()} queued in the run",
        backlog["outbox_pending"] == 0 and dead == 0,
    )
    repeated_keys = (
        OutboxMessage.objects.exclude(key=None)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    repeated_alerts = (
        Alert.objects.values("refund", "stage", "kind", "anchor")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    report.check(
        f"outbox keys used twice: {repeated_keys}; alerts decided twice: {repeated_alerts}",
        repeated_keys == 0 and repeated_alerts == 0,
    )
    accepted = Counter(message_id for _, message_id in mail["accepted"])
    mailed_at = {
        f"<notification-{pk}@parkportal>": emailed_at
        for pk, emailed_at in Notification.objects.filter(
            created_at__gte=since, email_wanted=True
        ).values_list("pk", "emailed_at")
    }
    twice = [m for m, n in accepted.items() if m and n > 1]
    unmailed = [m for m in mailed_at if m not in accepted]
    resent = [m for m in twice if _resent_after_kill(m, mail, mailed_at, killed_at)]
    report.check(
        f"notification mails: {len(mailed_at)} due in the run, {len(unmailed)} not "
        f"received, {len(twice) - len(resent)} received twice "
        f"({sum(accepted.values())} mails in all)",
        len(twice) == len(resent) and not unmailed,
    )
    report.check(
        f"mails sent again because the kill came between the mail server's "
        f"answer and the commit that records it: {len(resent)}, under the same "
        f"Message-ID",
        True,
    )
    aborted = [m for _, m in mail["aborted"]]
    report.check(
        f"mails cut off by the killed worker: {len(aborted)}, each then delivered "
        f"once: {all(accepted[m] == 1 for m in aborted)}",
        bool(aborted) and all(accepted[m] == 1 for m in aborted),
    )


def verify(since: datetime, run_dir: Path) -> int:
    load = json.loads((run_dir / "load.json").read_text())
    mail = json.loads((run_dir / "control" / "mail.json").read_text())
    faults = (run_dir / "faults.log").read_text().splitlines()
    report = Report()

    by_kind = load["by_kind"]
    server_errors = sum(n for k, n in by_kind.items() if k.split()[-1][0] == "5")
    gave_up = sum(n for k, n in by_kind.items() if k.endswith("failed"))
    report.check(
        f"requests: {load['requests']} in {load['seconds']} s, {server_errors} answered 5xx, "
        f"{gave_up} given up, {load['retried_on_other_web']} retried on another web process",
        server_errors == 0 and gave_up == 0,
    )
    _cases(report, load, since)
    _approvals(report, load)
    figures = _money(report, load)
    figures.update(_audit(report))
    killed = run_dir / "control" / "killed-at"
    killed_at = float(killed.read_text()) if killed.exists() else None
    _effects(report, since, mail, killed_at)
    kills = sum("KILL" in line for line in faults)
    report.check(
        f"faults injected: {len(faults)} ({len(faults) - kills} SIGTERM restarts, {kills} SIGKILL)",
        len(faults) > 0,
    )

    print("\nRequests by kind and answer:")
    for kind, count in by_kind.items():
        print(f"  {count:7d}  {kind}")
    print("\nFaults:")
    for line in faults:
        print(f"  {line}")
    print("\nInvariants:")
    print("\n".join(report.rows))
    print(
        f"\ncases created {len(load['created'])}, submitted {len(load['submitted'])}, "
        f"forwarded {len(load['forwarded'])}, approved {len(load['approved'])}, "
        f"cleared {len(load['cleared'])}, top-ups {len(load['top_ups'])}; "
        f"ledger entries {figures['ledger_entries']}, "
        f"audit links {figures['audit_links']}"
    )
    return 1 if report.failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["drain", "verify"])
    parser.add_argument("--since", required=True, type=datetime.fromisoformat)
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--run-dir", type=Path)
    arguments = parser.parse_args()
    _setup()
    if arguments.step == "drain":
        sys.exit(drain(arguments.since, arguments.timeout))
    sys.exit(verify(arguments.since, arguments.run_dir))


if __name__ == "__main__":
    main()
