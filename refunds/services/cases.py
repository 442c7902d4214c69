"""Creating and editing a refund request before it is submitted."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.models import Contract
from parkportal.accounts.roles import Role, has_role
from parkportal.core import clock
from parkportal.core.errors import InvalidInput, NotAllowed
from parkportal.core.money import check_minor_units
from refunds.models import Reason, ReferenceCounter, RefundRequest, State, TimelineEntry
from refunds.services.audit import audit_record
from refunds.services.lifecycle import lock_refund
from refunds.signals import refund_changed

EDITABLE_FIELDS = (
    "contract",
    "reason",
    "description",
    "amount",
    "currency",
    "payee_name",
    "payee_bank",
    "payee_account",
)


def next_reference() -> str:
    """RF-YYYY-NNNNNN, numbered without gaps within the year."""
    year = clock.today().year
    ReferenceCounter.objects.get_or_create(year=year)
    # The UPDATE takes the counter's row lock until the creating
    # transaction ends, so two creations never get the same number and a
    # rolled-back creation gives its number back.
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.get(year=year).last_number
    return f"RF-{year}-{number:06d}"


def _clean_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise InvalidInput(
            _("The amount is not a number."), code="invalid_amount"
        ) from None
    if (
        not amount.is_finite()
        or amount <= 0
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise InvalidInput(
            _("The amount must be more than zero with at most two decimal places."),
            code="invalid_amount",
        )
    if amount >= Decimal("1e12"):
        raise InvalidInput(_("The amount is too large."), code="invalid_amount")
    return amount


def _clean(*, applicant, values: dict) -> dict:
    cleaned = dict(values)
    if "amount" in cleaned:
        cleaned["amount"] = _clean_amount(cleaned["amount"])
    if "reason" in cleaned and cleaned["reason"] not in Reason.values:
        raise InvalidInput(_("Unknown refund reason."), code="invalid_reason")
    if (
        "currency" in cleaned
        and cleaned["currency"] not in settings.SUPPORTED_CURRENCIES
    ):
        raise InvalidInput(
            _("This currency is not supported."), code="invalid_currency"
        )
    if "contract" in cleaned:
        contract = cleaned["contract"]
        if not isinstance(contract, Contract):
            contract = Contract.objects.filter(pk=contract).first()
        if contract is None or contract.enterprise_id != applicant.enterprise_id:
            raise InvalidInput(
                _("This contract is not one of yours."), code="invalid_contract"
            )
        cleaned["contract"] = contract
    for field in ("payee_name", "payee_bank", "payee_account"):
        if field in cleaned and not str(cleaned[field]).strip():
            raise InvalidInput(_("Please fill in the payee."), code="payee_required")
    if "payee_account" in cleaned:
        cleaned["payee_account"] = str(cleaned["payee_account"]).replace(" ", "")
    return cleaned


def _check_currency_matches(refund: RefundRequest) -> None:
    if refund.currency != refund.contract.currency:
        raise InvalidInput(
            _("The refund must be in the contract's currency (%(currency)s).")
            % {"currency": refund.contract.currency},
            code="currency_mismatch",
        )
    check_minor_units(refund.amount, refund.currency)


def refund_create(*, applicant, **values) -> RefundRequest:
    if not has_role(applicant, Role.ENTERPRISE) or applicant.enterprise_id is None:
        raise NotAllowed(_("Only an enterprise user may apply for a refund."))
    missing = [
        field
        for field in EDITABLE_FIELDS
        if field not in values and field != "description"
    ]
    if missing:
        raise InvalidInput(
            _("Please fill in every required field."),
            code="required",
            details={field: [str(_("This field is required."))] for field in missing},
        )
    cleaned = _clean(applicant=applicant, values=values)

    with transaction.atomic():
        refund = RefundRequest(
            reference=next_reference(),
            enterprise_id=applicant.enterprise_id,
            applicant=applicant,
            **cleaned,
        )
        _check_currency_matches(refund)
        refund.save()
        audit_record(
            actor=applicant,
            action="refund.create",
            obj=refund,
            refund=refund,
            after=_snapshot(refund),
        )
        TimelineEntry.objects.create(
            refund=refund, kind="created", actor=applicant, state_after=refund.state
        )
    return refund


def refund_update_draft(*, refund_id: int, actor, **values) -> RefundRequest:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed."), code="not_editable")
    with transaction.atomic():
        refund = lock_refund(refund_id)
        if refund.enterprise_id != actor.enterprise_id or not has_role(
            actor, Role.ENTERPRISE
        ):
            raise NotAllowed(
                _("Only the enterprise that applied may edit the request.")
            )
        if refund.state != State.DRAFT:
            raise InvalidInput(_("Only a draft can be edited."), code="not_editable")
        before = _snapshot(refund)
        for field, value in _clean(applicant=actor, values=values).items():
            setattr(refund, field, value)
        _check_currency_matches(refund)
        refund.save()
        audit_record(
            actor=actor,
            action="refund.update",
            obj=refund,
            refund=refund,
            before=before,
            after=_snapshot(refund),
        )
    return refund


def _snapshot(refund: RefundRequest) -> dict:
    return {
        "contract": refund.contract_id,
        "reason": refund.reason,
        "amount": str(refund.amount),
        "currency": refund.currency,
        "payee_name": refund.payee_name,
        "payee_bank": refund.payee_bank,
        "payee_account_last4": refund.payee_account[-4:],
    }


def refund_correct_payee(
    *, refund_id: int, actor, payee_name: str, payee_bank: str, payee_account: str
) -> RefundRequest:
    """Point a failed payment at a corrected account before it is retried.

    The account must be one of the enterprise's verified accounts: a
    failed payment is the moment a fraudster would try to redirect it.
    """
    if not has_role(actor, Role.FINANCE_OFFICER, Role.FINANCE_DIRECTOR):
        raise NotAllowed(_("Only finance may correct the payee of a failed payment."))
    account = str(payee_account).replace(" ", "")
    with transaction.atomic():
        refund = lock_refund(refund_id)
        if refund.state != State.DISBURSEMENT_FAILED:
            raise InvalidInput(
                _("The payee can only be corrected after a failed payment."),
                code="not_editable",
            )
        verified = refund.enterprise.bank_accounts.filter(
            account_number=account, verified_at__isnull=False
        ).exists()
        if not verified:
            raise InvalidInput(
                _("The new account is not a verified account of this enterprise."),
                code="account_not_verified",
            )
        before = _snapshot(refund)
        refund.payee_name = payee_name.strip()
        refund.payee_bank = payee_bank.strip()
        refund.payee_account = account
        refund.save(
            update_fields=["payee_name", "payee_bank", "payee_account", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="refund.correct_payee",
            obj=refund,
            refund=refund,
            before=before,
            after=_snapshot(refund),
        )
        refund_changed.send(
            sender=RefundRequest, refund=refund, actor=actor, change="payee"
        )
    return refund
