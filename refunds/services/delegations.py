"""Approver delegation: an approver who is away names a substitute for a
period. `refunds.rules.acting_principal` reads these rows when the
substitute acts; the step and the audit event then carry both names."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role, is_staff_member
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from refunds.models import ApprovalDelegation
from refunds.rules import LEVEL_ROLES
from refunds.services.audit import audit_record

APPROVAL_ROLES = tuple(LEVEL_ROLES.values())


def _may_manage(actor, delegator) -> bool:
    return actor.pk == delegator.pk or has_role(actor, Role.OPS_MANAGER)


def _validate(delegator, delegate, starts_at, ends_at) -> None:
    if delegator.pk == delegate.pk:
        raise InvalidInput(
            _("An approver cannot delegate to themselves."), code="delegate_is_self"
        )
    if not has_role(delegator, *APPROVAL_ROLES):
        raise InvalidInput(
            _("Only an approver can delegate approvals."), code="not_an_approver"
        )
    if not (delegate.is_active and is_staff_member(delegate)):
        raise InvalidInput(
            _("The substitute must be an active member of staff."),
            code="invalid_delegate",
        )
    if ends_at <= starts_at:
        raise InvalidInput(
            _("The delegation must end after it starts."), code="invalid_period"
        )
    if ends_at <= clock.now():
        raise InvalidInput(
            _("The delegation would already be over."), code="invalid_period"
        )


def delegation_create(
    *,
    delegator,
    delegate,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    actor,
    reason: str = "",
) -> ApprovalDelegation:
    if not _may_manage(actor, delegator):
        raise NotAllowed(
            _("Only the approver or an operations manager may set a delegation.")
        )
    _validate(delegator, delegate, starts_at, ends_at)
    with transaction.atomic():
        # Two overlapping delegations created at once would both pass the
        # overlap check; locking the approver's row makes them take turns.
        # get_user_model(), not type(delegator): a signed-in browser's user
        # is a lazy wrapper whose type has no manager.
        get_user_model().objects.select_for_update().filter(pk=delegator.pk).exists()
        overlapping = ApprovalDelegation.objects.filter(
            delegator=delegator, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        if overlapping.exists():
            raise Conflict(
                _("This approver already has a delegation in that period."),
                code="delegation_overlaps",
            )
        delegation = ApprovalDelegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
        )
        audit_record(
            actor=actor,
            action="refunds.delegation_created",
            obj=delegation,
            after={
                "delegator": delegator.pk,
                "delegate": delegate.pk,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "reason": delegation.reason,
            },
        )
    return delegation


def delegation_end(*, delegation_id: int, actor) -> ApprovalDelegation:
    """End a delegation now (an approver back early), or withdraw one that
    has not started."""
    with transaction.atomic():
        # The lock keeps two people ending the same delegation from both
        # recording it.
        delegation = (
            ApprovalDelegation.objects.select_for_update()
            .select_related("delegator")
            .filter(pk=delegation_id)
            .first()
        )
        if delegation is None:
            raise NotFound(_("This delegation does not exist."))
        if not _may_manage(actor, delegation.delegator):
            raise NotAllowed(
                _("Only the approver or an operations manager may end a delegation.")
            )
        now = clock.now()
        if delegation.ends_at <= now:
            raise Conflict(
                _("This delegation is over already."), code="delegation_over"
            )
        before = {"starts_at": delegation.starts_at, "ends_at": delegation.ends_at}
        if delegation.starts_at >= now:
            # Not begun: the period shrinks to nothing while the row stays
            # for the trail.
            delegation.ends_at = delegation.starts_at + datetime.timedelta(
                microseconds=1
            )
        else:
            delegation.ends_at = now
        delegation.save(update_fields=["ends_at"])
        audit_record(
            actor=actor,
            action="refunds.delegation_ended",
            obj=delegation,
            before=before,
            after={"ends_at": delegation.ends_at},
        )
    return delegation


def delegations_of(user):
    """Delegations the user gave or received, newest first."""
    from django.db.models import Q

    return (
        ApprovalDelegation.objects.filter(Q(delegator=user) | Q(delegate=user))
        .select_related("delegator", "delegate")
        .order_by("-starts_at", "-id")
    )
