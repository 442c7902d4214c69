"""The audit trail: record a change, seal it into the hash chain, verify."""

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max
from django.utils.translation import gettext_noop

from parkportal.core import clock
from parkportal.core.jobs import Report, job_start
from parkportal.core.models import Job, JobStatus
from refunds.models import AuditEvent, AuditSeal, ChainVerification, UnsealedEvent

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every process.
_SEAL_LOCK_ID = 724_519_001
PROGRESS_EVERY = 10_000


def audit_record(
    *,
    actor,
    action: str,
    obj,
    before: dict | None = None,
    after: dict | None = None,
    refund=None,
    on_behalf_of=None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it is sealed into the
    chain right after that transaction commits."""
    event = AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "anonymous",
        on_behalf_of=on_behalf_of,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        refund=refund,
        before=before or {},
        after=after or {},
    )
    UnsealedEvent.objects.create(event=event)
    _seal_after_commit()
    return event


def _seal_after_commit() -> None:
    # One pass after commit seals every event of the transaction; a pass
    # per event would only find the chain already sealed. A savepoint
    # rolled back drops its registration together with its events.
    pending = transaction.get_connection().run_on_commit
    if not any(callback is audit_seal_pending for _, callback, _ in pending):
        transaction.on_commit(audit_seal_pending)


def _lock_chain_head() -> None:
    # Two sealers running at once would both extend the chain from the same
    # head and fork it; this lock makes them take turns. SQLite serialises
    # writers on its own.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK_ID])


def audit_seal_pending(batch_size: int = 1000) -> int:
    """Chain every committed, unsealed event in id order. Returns how many
    were sealed."""
    sealed = 0
    while True:
        listed, batch_sealed = _seal_batch(batch_size)
        sealed += batch_sealed
        if listed < batch_size:
            return sealed


def _seal_batch(batch_size: int) -> tuple[int, int]:
    """Seal the first `batch_size` events of the unsealed list; returns how
    many were listed and how many sealed."""
    with transaction.atomic():
        _lock_chain_head()
        head = AuditSeal.objects.order_by("-position").first()
        position = head.position if head else 0
        previous = head.hash if head else GENESIS_HASH
        listed = list(
            UnsealedEvent.objects.order_by("event_id").values_list(
                "event_id", flat=True
            )[:batch_size]
        )
        # A seal is never written without removing its event from the list;
        # the check keeps a list put back by hand from stopping the chain on
        # the one-seal-per-event constraint.
        events = AuditEvent.objects.filter(pk__in=listed, seal__isnull=True)
        seals = []
        for event in events.order_by("id"):
            position += 1
            link = AuditSeal.link(previous, event.content_digest())
            seals.append(
                AuditSeal(
                    position=position, event=event, previous_hash=previous, hash=link
                )
            )
            previous = link
        AuditSeal.objects.bulk_create(seals)
        UnsealedEvent.objects.filter(event_id__in=listed).delete()
    return len(listed), len(seals)


@dataclass
class ChainReport:
    intact: bool
    checked: int
    unsealed: int
    broken_at: int | None = None
    event_id: int | None = None
    problem: str = ""

    def as_dict(self) -> dict:
        return {
            "intact": self.intact,
            "checked": self.checked,
            "unsealed": self.unsealed,
            "broken_at": self.broken_at,
            "event_id": self.event_id,
            "problem": self.problem,
        }


def audit_verify(
    *, seal_first: bool = True, progress: Report | None = None
) -> ChainReport:
    """Walk the chain from the start and say whether it holds and, if not,
    the first position where it breaks. `progress(done, total)` hears of
    every PROGRESS_EVERY links."""
    if seal_first:
        audit_seal_pending()
    total = 0
    if progress is not None:
        total = AuditSeal.objects.aggregate(last=Max("position"))["last"] or 0
    previous = GENESIS_HASH
    expected_position = 1
    checked = 0
    # The inner join drops a seal whose event was deleted behind the
    # database's back; the gap in positions then shows it.
    seals = AuditSeal.objects.select_related("event").order_by("position")
    for seal in seals.iterator(chunk_size=2000):
        problem = ""
        if seal.position != expected_position:
            problem = "missing seal"
        elif seal.previous_hash != previous:
            problem = "seal does not follow the previous one"
        elif seal.hash != AuditSeal.link(previous, seal.event.content_digest()):
            problem = "event content changed"
        if problem:
            logger.warning("audit chain broken at seal %s: %s", seal.position, problem)
            return ChainReport(
                intact=False,
                checked=checked,
                unsealed=_unsealed_count(),
                broken_at=expected_position,
                event_id=seal.event_id,
                problem=problem,
            )
        previous = seal.hash
        expected_position += 1
        checked += 1
        if progress is not None and checked % PROGRESS_EVERY == 0:
            progress(checked, total)
    return ChainReport(intact=True, checked=checked, unsealed=_unsealed_count())


def _unsealed_count() -> int:
    # Counted on the events themselves, not on the sealer's list: a walk
    # must see an event that lost its place on the list too. It reads the
    # whole trail, a second or two beside the minutes of the walk.
    return AuditEvent.objects.filter(seal__isnull=True).count()


def audit_chain_verify(
    *, actor=None, progress: Report | None = None
) -> ChainVerification:
    """Seal what waits, walk the whole chain and record what the walk
    found; `actor` is None for the nightly run."""
    started_at = clock.now()
    report = audit_verify(progress=progress)
    verification = ChainVerification.objects.create(
        started_at=started_at,
        finished_at=clock.now(),
        requested_by=actor,
        intact=report.intact,
        checked=report.checked,
        unsealed=report.unsealed,
        broken_at=report.broken_at,
        event_id=report.event_id,
        problem=report.problem,
    )
    logger.info(
        "audit chain verification %s: %s links checked, intact: %s",
        verification.pk,
        report.checked,
        report.intact,
    )
    return verification


VERIFY_JOB = "refunds.jobs.verify_chain"


def audit_chain_verify_start(*, actor) -> Job:
    """Walk the chain in a job: at a park's size it takes minutes. A
    person whose walk is still queued or running is sent back to it rather
    than starting another (two clicks at once may start two, which only
    records two verifications)."""
    waiting = (
        Job.objects.filter(
            requested_by=actor,
            kind=VERIFY_JOB,
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        )
        .order_by("-id")
        .first()
    )
    if waiting is not None:
        return waiting
    return job_start(
        actor=actor,
        kind=VERIFY_JOB,
        title=gettext_noop("Audit chain verification"),
        params={},
    )
