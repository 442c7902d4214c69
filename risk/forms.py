"""Forms of the risk desk. They check the shape of what a person typed;
the risk services decide whether it is allowed and whether parameters fit
the rule type."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewVersionForm(forms.Form):
    parameters = forms.CharField(
        label=_("Parameters (JSON)"),
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=_(
            "Start from the live version's values; only what you change differs."
        ),
    )
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100)
    note = forms.CharField(label=_("What changed and why"), max_length=300)
    activate = forms.BooleanField(
        label=_("Make it live at once (leave unticked to backtest it first)"),
        required=False,
    )

    def clean_parameters(self) -> dict:
        try:
            value = json.loads(self.cleaned_data["parameters"])
        except ValueError:
            raise forms.ValidationError(_("Please give valid JSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(
                _("Please give an object of parameter names and values.")
            )
        return value


class BacktestForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Version to test"), coerce=int)
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [
            (
                version.pk,
                _("Version %(number)s (%(status)s)")
                % {"number": version.number, "status": version.get_status_display()},
            )
            for version in versions
        ]
