"""The voice of the enterprise: a rating after close, complaints any time."""

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from operations.models import Complaint, ComplaintStatus, Rating
from operations.services.alerts import people_with_role
from operations.services.notifications import notify
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from refunds.models import State, TimelineEntry
from refunds.services.audit import audit_record
from refunds.services.lifecycle import lock_refund

logger = logging.getLogger(__name__)


def _require_own_enterprise(refund, actor) -> None:
    # Another enterprise's case does not exist for this caller: answering
    # "not allowed" would tell it which case ids are real.
    if has_role(actor, Role.ENTERPRISE) and actor.enterprise_id != refund.enterprise_id:
        raise NotFound(_("This refund request does not exist."))
    if not has_role(actor, Role.ENTERPRISE):
        raise NotAllowed(_("Only the enterprise that applied may do this."))


def rating_submit(*, refund_id: int, actor, score: int, comment: str = "") -> Rating:
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput(
            _("The score is a whole number from 1 to 5."), code="invalid_score"
        )
    with transaction.atomic():
        # The case lock makes two ratings sent at once take turns; the
        # second finds the first (and the unique key backs this up).
        refund = lock_refund(refund_id)
        _require_own_enterprise(refund, actor)
        if refund.state != State.CLOSED:
            raise Conflict(
                _("A case can be rated once it is closed."), code="not_closed"
            )
        if Rating.objects.filter(refund=refund).exists():
            raise Conflict(_("This case has been rated already."), code="already_rated")
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    refund=refund, author=actor, score=score, comment=comment.strip()
                )
        except IntegrityError:
            raise Conflict(
                _("This case has been rated already."), code="already_rated"
            ) from None
        audit_record(
            actor=actor,
            action="operations.rating",
            obj=rating,
            refund=refund,
            after={"score": score, "comment": rating.comment},
        )
    return rating


def complaint_file(*, refund_id: int, actor, body: str) -> Complaint:
    if not (body or "").strip():
        raise InvalidInput(_("Please describe the complaint."), code="comment_required")
    with transaction.atomic():
        refund = lock_refund(refund_id)
        _require_own_enterprise(refund, actor)
        complaint = Complaint.objects.create(
            refund=refund, author=actor, body=body.strip()
        )
        audit_record(
            actor=actor,
            action="operations.complaint",
            obj=complaint,
            refund=refund,
            after={"body": complaint.body},
        )
        # Staff see the complaint on the timeline; for the enterprise it is
        # not progress on its case, so it stays off its timeline.
        TimelineEntry.objects.create(
            refund=refund,
            kind="complaint",
            actor=actor,
            params={"comment": complaint.body},
            visible_to_enterprise=False,
        )
        params = {
            "reference": refund.reference,
            "enterprise": refund.enterprise.name,
            "body": complaint.body[:200],
        }
        recipients = {user.pk: user for user in people_with_role(Role.OPS_MANAGER)}
        if refund.owner:
            recipients[refund.owner.pk] = refund.owner
        for recipient in recipients.values():
            notify(
                recipient=recipient,
                kind="complaint_filed",
                refund=refund,
                params=params,
            )
    logger.info("refund %s: complaint %s filed", refund.reference, complaint.pk)
    return complaint


def complaint_resolve(*, complaint_id: int, actor, resolution: str) -> Complaint:
    if not has_role(actor, Role.OPS_MANAGER, Role.OPS_SPECIALIST):
        raise NotAllowed(_("Only operations staff may answer a complaint."))
    if not (resolution or "").strip():
        raise InvalidInput(_("Please give the answer."), code="comment_required")
    refund_id = (
        Complaint.objects.filter(pk=complaint_id)
        .values_list("refund_id", flat=True)
        .first()
    )
    if refund_id is None:
        raise NotFound(_("This complaint does not exist."))
    with transaction.atomic():
        refund = lock_refund(refund_id)
        complaint = Complaint.objects.get(pk=complaint_id)
        if complaint.status == ComplaintStatus.RESOLVED:
            raise Conflict(
                _("This complaint was answered already."), code="already_resolved"
            )
        complaint.status = ComplaintStatus.RESOLVED
        complaint.resolution = resolution.strip()
        complaint.resolved_by = actor
        complaint.resolved_at = clock.now()
        complaint.save()
        audit_record(
            actor=actor,
            action="operations.complaint_resolved",
            obj=complaint,
            refund=refund,
            before={"status": ComplaintStatus.OPEN},
            after={"status": complaint.status, "resolution": complaint.resolution},
        )
        TimelineEntry.objects.create(
            refund=refund,
            kind="complaint_resolved",
            actor=actor,
            params={"comment": complaint.resolution},
            visible_to_enterprise=True,
        )
    return complaint
