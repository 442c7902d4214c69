"""Forms of the finance desk. They check the shape of what a person typed;
the finance services decide whether it is allowed."""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class TopUpProposeForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (CNY)"),
        min_value=Decimal("0.01"),
        max_digits=16,
        decimal_places=2,
    )
    expected_on = forms.DateField(
        label=_("Expected on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the money should reach the pool; the forecast counts it."),
    )
    bank_reference = forms.CharField(
        label=_("Bank reference"), max_length=100, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchBuildForm(forms.Form):
    refunds = forms.TypedMultipleChoiceField(
        label=_("Cases to pay"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Please choose at least one case.")},
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, ready=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["refunds"].choices = [
            (earmark.refund_id, earmark.refund.reference) for earmark in ready
        ]


class StatementForm(forms.Form):
    FORMATS = (("camt053", _("camt.053 XML")), ("csv", _("CSV")))

    file_format = forms.ChoiceField(label=_("Format"), choices=FORMATS)
    statement = forms.FileField(label=_("Bank statement"))


class ResolveLineForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was resolved"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FxRateForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"))
    valid_on = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    rate = forms.DecimalField(
        label=_("Rate to CNY"), min_value=Decimal("0.000001"), decimal_places=6
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [
            (code, code)
            for code in settings.SUPPORTED_CURRENCIES
            if code != settings.BASE_CURRENCY
        ]


class FxImportForm(forms.Form):
    rates = forms.FileField(
        label=_("Rates file (CSV)"),
        help_text=_("Columns: currency, valid_on, rate."),
    )


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
    )

    def clean_month(self) -> date:
        found = MONTH.match(self.cleaned_data["month"].strip())
        if not found or not 1 <= int(found[2]) <= 12:
            raise forms.ValidationError(_("Please give a month as YYYY-MM."))
        return date(int(found[1]), int(found[2]), 1)
