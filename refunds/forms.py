"""Forms of the refund pages. They check the shape of what a person typed;
the services decide whether it is allowed."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.models import mask_account
from refunds.models import DocumentKind, Reason, State
from refunds.models.approvals import ApprovalLevel

NEW_PAYEE = "new"


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contract):
        if contract.title:
            return f"{contract.number} · {contract.title}"
        return contract.number


class ApplyForm(forms.Form):
    contract = ContractChoiceField(
        label=_("Contract"),
        queryset=None,
        empty_label=_("Choose a contract"),
        help_text=_("The contract under which you paid the park."),
    )
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *Reason.choices],
        help_text=_("It decides which documents are needed."),
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("In the contract's currency, with at most two decimals."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the money was paid for and why it should come back."),
    )
    payee = forms.ChoiceField(
        label=_("Pay to"),
        widget=forms.RadioSelect,
    )
    payee_name = forms.CharField(label=_("Account holder"), required=False)
    payee_bank = forms.CharField(label=_("Bank"), required=False)
    payee_account = forms.CharField(
        label=_("Account number"),
        required=False,
        max_length=40,
        help_text=_("A new account is verified by the park before payment."),
    )

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["contract"].queryset = enterprise.contracts.order_by("number")
        self.accounts = {
            str(account.pk): account
            for account in enterprise.bank_accounts.filter(
                verified_at__isnull=False
            ).order_by("bank_name")
        }
        choices = [
            (
                key,
                f"{account.holder_name} · {account.bank_name} · "
                f"{mask_account(account.account_number)}",
            )
            for key, account in self.accounts.items()
        ]
        choices.append((NEW_PAYEE, _("Another account (to be verified)")))
        self.fields["payee"].choices = choices
        if not self.is_bound and self.accounts:
            self.initial.setdefault("payee", next(iter(self.accounts)))
        elif not self.is_bound:
            self.initial.setdefault("payee", NEW_PAYEE)

    @classmethod
    def for_draft(cls, refund, *, data, enterprise):
        """The form filled with a draft's values; the payee is the verified
        account it names, or the other account's fields."""
        form = cls(
            data,
            enterprise=enterprise,
            initial={
                "contract": refund.contract_id,
                "reason": refund.reason,
                "amount": refund.amount,
                "description": refund.description,
            },
        )
        known = [
            key
            for key, account in form.accounts.items()
            if account.account_number == refund.payee_account
        ]
        form.initial["payee"] = known[0] if known else NEW_PAYEE
        if not known:
            form.initial.update(
                payee_name=refund.payee_name,
                payee_bank=refund.payee_bank,
                payee_account=refund.payee_account,
            )
        return form

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("payee")
        if choice and choice != NEW_PAYEE:
            account = self.accounts[choice]
            cleaned["payee_name"] = account.holder_name
            cleaned["payee_bank"] = account.bank_name
            cleaned["payee_account"] = account.account_number
        elif choice == NEW_PAYEE:
            for field in ("payee_name", "payee_bank", "payee_account"):
                if not (cleaned.get(field) or "").strip():
                    self.add_error(field, _("Please fill in the new account."))
        return cleaned

    def service_values(self) -> dict:
        data = self.cleaned_data
        contract = data["contract"]
        return {
            "contract": contract,
            "reason": data["reason"],
            "amount": data["amount"],
            "currency": contract.currency,
            "description": data["description"],
            "payee_name": data["payee_name"].strip(),
            "payee_bank": data["payee_bank"].strip(),
            "payee_account": data["payee_account"].strip(),
        }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG or JPEG, at most %(limit)s MB.")
        % {"limit": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/png,image/jpeg"}
        ),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    internal = forms.BooleanField(
        label=_("Internal note, visible to staff only"), required=False
    )


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecisionForm(forms.Form):
    APPROVE, REJECT, SEND_BACK = "approve", "reject", "send_back"

    decision = forms.ChoiceField(
        choices=[
            (APPROVE, _("Approve")),
            (REJECT, _("Reject")),
            (SEND_BACK, _("Send back")),
        ]
    )
    amount = forms.DecimalField(
        label=_("Approved amount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
        help_text=_("Leave empty to approve the full amount."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    comment = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to reject, to send back or to reduce the amount."),
    )


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Reference or enterprise"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *State.choices]
    )


class AuditTrailFilterForm(forms.Form):
    reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)


APPROVAL_LEVEL_LABELS = dict(ApprovalLevel.choices)
