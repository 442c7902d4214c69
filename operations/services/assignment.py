"""Who owns a case: automatic assignment on submission and a manager's
reassignment."""

import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from operations import conf
from operations.services.notifications import notify
from parkportal.accounts.roles import Role, has_role
from parkportal.accounts.services import system_user
from parkportal.core import clock
from parkportal.core.errors import Conflict, InvalidInput, NotAllowed
from refunds.models import RefundRequest
from refunds.models.case import OPEN_STATES
from refunds.services.lifecycle import lock_refund, set_owner

logger = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every process.
_ASSIGNMENT_LOCK_ID = 724_519_101


def available_specialists(*, green_channel: bool = False, at=None) -> list:
    """Active specialists who take cases and are not out of office now; for
    the green channel, only its designated specialists."""
    moment = at or clock.now()
    users = (
        get_user_model()
        .objects.filter(groups__name=Role.OPS_SPECIALIST, is_active=True)
        .exclude(specialist_profile__accepts_cases=False)
        .select_related("specialist_profile")
        .order_by("pk")
    )
    if green_channel:
        users = users.filter(specialist_profile__green_channel=True)
    return [user for user in users if not _away(user, moment)]


def _away(user, moment) -> bool:
    profile = getattr(user, "specialist_profile", None)
    return profile is not None and profile.is_out_of_office(moment)


def workloads(users: list) -> dict[int, Decimal]:
    """Each user's open work, weighted by state and divided by capacity."""
    weights = conf.assignment_weights()
    load = {user.pk: Decimal("0") for user in users}
    # Counted in the database by an index-only scan of (owner, state),
    # hence COUNT(*): a busy team owns hundreds of thousands of open cases.
    counts = (
        RefundRequest.objects.filter(owner__in=users, state__in=OPEN_STATES)
        .values_list("owner_id", "state")
        .annotate(cases=Count("*"))
        .order_by()
    )
    for owner_id, state, cases in counts:
        load[owner_id] += weights.get(state, Decimal("1")) * cases
    for user in users:
        profile = getattr(user, "specialist_profile", None)
        capacity = profile.capacity if profile else Decimal("1")
        load[user.pk] = load[user.pk] / capacity
    return load


def choose_owner(refund: RefundRequest):
    green = refund.enterprise.green_channel
    candidates = available_specialists(green_channel=green)
    if green and not candidates:
        # No designated specialist is in: the case still needs an owner
        # today rather than a perfect one next week.
        candidates = available_specialists()
    if not candidates:
        return None
    _serialise_assignments()
    load = workloads(candidates)
    return min(candidates, key=lambda user: (load[user.pk], user.pk))


def _serialise_assignments() -> None:
    # Two submissions at once would each count the same workloads and give
    # both cases to the same person; this lock makes assignments take
    # turns, each seeing the other's committed owner. It is taken after the
    # case's row lock, which the caller holds, and released at commit.
    # SQLite serialises writers on its own.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ASSIGNMENT_LOCK_ID])


def assign_on_submit(refund: RefundRequest) -> None:
    """Name the owner of a case just submitted; the lifecycle holds its
    lock and transaction."""
    if refund.owner_id is not None:
        return
    owner = choose_owner(refund)
    if owner is None:
        logger.warning("refund %s: no specialist available to own it", refund.reference)
        return
    # The audit trail keeps a code, not prose: it is read in every language.
    set_owner(
        refund, owner=owner, actor=system_user(), reason="automatic:least_open_work"
    )
    notify_assignment(refund, owner)


def notify_assignment(refund: RefundRequest, owner) -> None:
    notify(
        recipient=owner,
        kind="assigned",
        refund=refund,
        params={"reference": refund.reference, "enterprise": refund.enterprise.name},
    )


def cases_reassign(*, refund_ids: list[int], owner, actor, reason: str) -> list:
    """A manager hands one or many cases to another specialist."""
    if not has_role(actor, Role.OPS_MANAGER):
        raise NotAllowed(_("Only an operations manager may reassign cases."))
    if not (reason or "").strip():
        raise InvalidInput(_("Please give a reason."), code="comment_required")
    if not (owner.is_active and has_role(owner, Role.OPS_SPECIALIST)):
        raise InvalidInput(
            _("Cases can only go to an active operations specialist."),
            code="invalid_owner",
        )
    if not refund_ids:
        raise InvalidInput(_("Choose at least one case."), code="no_cases")

    moved = []
    with transaction.atomic():
        # Cases are locked in id order, as everywhere, so two managers
        # reassigning overlapping selections cannot deadlock.
        for refund_id in sorted(set(refund_ids)):
            refund = lock_refund(refund_id)
            if not refund.is_open:
                raise Conflict(
                    _("Case %(reference)s is no longer open.")
                    % {"reference": refund.reference},
                    code="case_closed",
                )
            if refund.owner_id == owner.pk:
                continue
            set_owner(refund, owner=owner, actor=actor, reason=reason)
            notify_assignment(refund, owner)
            moved.append(refund)
    logger.info(
        "user %s reassigned %s cases to user %s", actor.pk, len(moved), owner.pk
    )
    return moved
