"""Forms of the operations pages: queue filters, reassignment, ratings,
complaints and approver delegations."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from parkportal.accounts.roles import STAFF_ROLES, Role
from refunds.models import State
from refunds.models.case import OPEN_STATES, RiskLevel

DEADLINE_CHOICES = [
    ("", _("Any deadline")),
    ("overdue", _("Overdue")),
    ("due_soon", _("Due soon")),
]
RISK_CHOICES = [("", _("Any risk")), *RiskLevel.choices]
GREEN_CHOICES = [
    ("", _("Any channel")),
    ("yes", _("Green channel only")),
    ("no", _("Regular channel only")),
]


def _specialists():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.OPS_SPECIALIST)
        .distinct()
        .order_by("username")
    )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False)
    deadline = forms.ChoiceField(
        label=_("Deadline"), choices=DEADLINE_CHOICES, required=False
    )
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RISK_CHOICES, required=False
    )
    green_channel = forms.ChoiceField(
        label=_("Channel"), choices=GREEN_CHOICES, required=False
    )
    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Amount up to"), required=False, min_value=0, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(State.choices)
        self.fields["state"].choices = [("", _("Any open state"))] + [
            (state, labels[state]) for state in State.values if state in OPEN_STATES
        ]


class ReassignForm(forms.Form):
    refunds = forms.TypedMultipleChoiceField(
        label=_("Cases"), coerce=int, choices=(), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("New case owner"),
        queryset=None,
        empty_label=_("Choose a specialist"),
    )
    reason = forms.CharField(
        label=_("Reason for the reassignment"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _specialists()
        self.fields["refunds"].choices = [(pk, pk) for pk in case_ids]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating of the service"),
        coerce=int,
        choices=[
            (1, _("1 – very poor")),
            (2, _("2 – poor")),
            (3, _("3 – fair")),
            (4, _("4 – good")),
            (5, _("5 – excellent")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ComplaintForm(forms.Form):
    body = forms.CharField(
        label=_("What went wrong?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(label=_("Substitute"), queryset=None)
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        staff = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
            .distinct()
            .order_by("username")
        )
        if user is not None:
            staff = staff.exclude(pk=user.pk)
        self.fields["delegate"].queryset = staff
