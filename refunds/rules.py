"""Who may take which transition, and what must be true first.

`denial(refund, user, name)` answers with the sentence that explains a
refusal, or None when the user may go ahead. The state machine's
permission callables and the API's list of available transitions both use
it, so a button is shown exactly when pressing it would work.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import Role, has_role, is_system
from parkportal.core import clock
from parkportal.core.errors import InvalidInput

REQUIRED_DOCUMENTS = {
    "deposit": ("contract", "bank_proof"),
    "prepaid_fee": ("contract", "invoice", "bank_proof"),
    "overpayment": ("contract", "invoice", "bank_proof"),
    "incentive_correction": ("contract", "bank_proof"),
    "other": ("contract", "bank_proof"),
}

LEVEL_ROLES = {
    "ops_manager": Role.OPS_MANAGER,
    "finance_director": Role.FINANCE_DIRECTOR,
    "committee": Role.COMMITTEE,
}


def require_comment(comment: str) -> None:
    if not (comment or "").strip():
        raise InvalidInput(_("Please give a reason."), code="comment_required")


# Conditions: each takes the case and carries the sentence shown when it
# does not hold.


def _condition(message):
    def attach(function):
        function.message = message
        return function

    return attach


def missing_documents(refund) -> list[str]:
    present = set(refund.documents.values_list("kind", flat=True))
    return [kind for kind in REQUIRED_DOCUMENTS[refund.reason] if kind not in present]


@_condition(_("Required documents are missing."))
def documents_complete(refund) -> bool:
    return not missing_documents(refund)


def contract_remaining(refund) -> Decimal:
    """What the contract paid, less what other cases already took."""
    from refunds.models.case import COMMITTED_STATES

    others = refund.contract.refund_requests.filter(state__in=COMMITTED_STATES).exclude(
        pk=refund.pk
    )
    taken = others.aggregate(
        total=Coalesce(Sum(Coalesce("approved_amount", "amount")), Decimal("0"))
    )["total"]
    return refund.contract.paid_amount - taken


@_condition(
    _("The amount is more than the contract paid less what was already refunded.")
)
def within_contract(refund) -> bool:
    return refund.amount <= contract_remaining(refund)


@_condition(_("The risk assessment has not finished yet."))
def risk_assessed(refund) -> bool:
    return refund.risk_assessed_at is not None


def unmet_conditions(refund, name: str) -> list[str]:
    meta = getattr(type(refund), name)._django_fsm
    transition = meta.get_transition(refund.state)
    if transition is None:
        return []
    return [str(check.message) for check in transition.conditions if not check(refund)]


# Permissions.


def _is_case_enterprise(refund, user) -> bool:
    return (
        has_role(user, Role.ENTERPRISE) and user.enterprise_id == refund.enterprise_id
    )


def _is_case_staff(refund, user) -> bool:
    return refund.owner_id == user.pk or has_role(user, Role.OPS_MANAGER)


def acting_principal(user, level: str, at=None):
    """Whom `user` signs for at `level`: themselves, or an approver who
    delegated to them for the moment `at`; None when neither."""
    from refunds.models.approvals import ApprovalDelegation

    role = LEVEL_ROLES[level]
    if has_role(user, role):
        return user
    moment = at or clock.now()
    delegations = ApprovalDelegation.objects.filter(
        delegate=user, starts_at__lte=moment, ends_at__gt=moment
    ).select_related("delegator")
    for delegation in delegations:
        if has_role(delegation.delegator, role):
            return delegation.delegator
    return None


def approver_denial(refund, user):
    # One read of the round's steps serves every check below; a page that
    # prefetched `approval_steps` pays nothing here.
    steps = [s for s in refund.approval_steps.all() if s.round == refund.approval_round]
    step = min(
        (s for s in steps if s.status == "pending"),
        key=lambda s: s.position,
        default=None,
    )
    if step is None:
        return _("No approval is waiting on this case.")
    principal = acting_principal(user, step.level)
    if principal is None:
        return _("This case waits for another approval level.")
    for person in {user, principal}:
        if person.pk == refund.applicant_id:
            return _("Nobody may approve a case they applied for.")
        if person.pk == refund.owner_id:
            return _("Nobody may approve a case they own.")
    signers = {user.pk, principal.pk}
    if any(
        s.decided_by_id in signers or s.on_behalf_of_id in signers
        for s in steps
        if s.status == "approved"
    ):
        return _("Nobody may sign two approval levels of one case.")
    return None


def _staff_denial(refund, user):
    if not _is_case_staff(refund, user):
        return _("Only the case owner or an operations manager may do this.")
    return None


def _enterprise_denial(refund, user):
    if not _is_case_enterprise(refund, user):
        return _("Only the enterprise that applied may do this.")
    return None


def _roles_denial(user, *roles):
    if is_system(user) or has_role(user, *roles):
        return None
    return _("Your role may not do this.")


def denial(refund, user, name: str):
    if user is None or not (user.is_authenticated or is_system(user)):
        return _("Please sign in.")
    match name:
        case "submit" | "respond" | "withdraw":
            return _enterprise_denial(refund, user)
        case "start_review":
            return None if is_system(user) else _("This step is taken automatically.")
        case "request_info" | "forward":
            return _staff_denial(refund, user)
        case "hold":
            return _roles_denial(user, Role.RISK_OFFICER)
        case "clear":
            return (
                None
                if has_role(user, Role.RISK_OFFICER)
                else _("Only a risk officer may clear a hold.")
            )
        case "reject" if refund.state == "on_hold":
            return (
                None
                if has_role(user, Role.RISK_OFFICER)
                else _("Only a risk officer may reject a held case.")
            )
        case "approve" | "reject" | "send_back":
            return approver_denial(refund, user)
        case "schedule" | "confirm_paid" | "mark_failed" | "retry" if (
            not _payment_channel.get()
        ):
            return _(
                "Payments move only through disbursement batches and bank statements."
            )
        case "schedule":
            return _roles_denial(user, Role.FINANCE_DIRECTOR)
        case "confirm_paid" | "mark_failed" | "retry":
            return _roles_denial(user, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR)
        case "close":
            return None if is_system(user) else _staff_denial(refund, user)
    return _("Unknown step.")


# The payment steps belong to money moving in the reserve pool's ledger:
# finance's batch and statement services take them inside
# `payment_channel()`, and everywhere else (the API, the admin) they are
# refused, so a case can never be marked paid without the ledger showing it.
_payment_channel: ContextVar[bool] = ContextVar(
    "refunds_payment_channel", default=False
)


@contextmanager
def payment_channel():
    token = _payment_channel.set(True)
    try:
        yield
    finally:
        _payment_channel.reset(token)


def may(name: str):
    def permission(refund, user) -> bool:
        return denial(refund, user, name) is None

    permission.__name__ = f"may_{name}"
    return permission
