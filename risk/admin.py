"""Admin for the risk app. Rule parameters and scores change only through
risk.services.rules, which writes a new version; everything recorded
(versions, assessments, results, backtests) is read-only here."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from parkportal.core.errors import DomainError
from risk.models import (
    Assessment,
    Backtest,
    BacktestCase,
    Control,
    Hold,
    InvoiceDeclaration,
    Rule,
    RuleResult,
    RuleVersion,
    Threshold,
)
from risk.services import rules as rule_services


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(ReadOnlyInline):
    model = RuleVersion
    fields = [
        "number",
        "status",
        "score",
        "parameters",
        "note",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields


class RuleForm(forms.ModelForm):
    """Settings of the rule, plus the values of a new version: a change to
    parameters or score is saved as the next version and made live."""

    new_parameters = forms.JSONField(
        label=_("parameters"), required=False, help_text=_("Saved as a new version.")
    )
    new_score = forms.IntegerField(
        label=_("score"), min_value=0, max_value=1000, required=False
    )

    class Meta:
        model = Rule
        fields = ["name", "category", "owner", "enabled", "snoozed_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        live = self.instance.live_version if self.instance.pk else None
        if live is not None:
            self.initial["new_parameters"] = live.parameters
            self.initial["new_score"] = live.score


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = [
        "code",
        "name",
        "rule_type",
        "category",
        "enabled",
        "snoozed_until",
        "live_version",
    ]
    list_filter = ["category", "enabled", "rule_type"]
    search_fields = ["code", "name"]
    inlines = [VersionInline]

    def has_add_permission(self, request):
        # New rules start from a rule type and a first version: the API
        # (POST /api/v1/risk/rules/) does both in one step.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        settings_fields = {
            field: data[field]
            for field in rule_services.SETTINGS_FIELDS
            if field in form.changed_data
        }
        try:
            if settings_fields:
                rule_services.rule_update_settings(
                    rule_id=obj.pk, actor=request.user, **settings_fields
                )
            live = Rule.objects.get(pk=obj.pk).live_version
            parameters, score = data.get("new_parameters"), data.get("new_score")
            if live is not None and (
                json.dumps(parameters, sort_keys=True)
                != json.dumps(live.parameters, sort_keys=True)
                or score != live.score
            ):
                rule_services.rule_new_version(
                    rule_id=obj.pk,
                    actor=request.user,
                    parameters=parameters,
                    score=score,
                )
        except DomainError as error:
            messages.error(request, str(error.message))


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ["rule", "number", "status", "score", "created_by", "created_at"]
    list_filter = ["status", "rule"]


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ["outcome", "min_score", "active", "updated_at"]
    fields = ["outcome", "min_score", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["outcome"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            rule_services.threshold_set(
                outcome=obj.outcome,
                actor=request.user,
                min_score=obj.min_score,
                active=obj.active,
            )
        except DomainError as error:
            messages.error(request, str(error.message))


class ResultInline(ReadOnlyInline):
    model = RuleResult
    fields = ["rule", "version", "status", "score", "sentence"]
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def sentence(self, result):
        return result.text()


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "refund",
        "trigger",
        "score",
        "outcome",
        "add_committee",
        "held",
        "error_count",
        "as_of",
    ]
    list_filter = ["outcome", "trigger", "held"]
    search_fields = ["refund__reference"]
    inlines = [ResultInline]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    """Holds are decided on the risk desk (clear or reject with a
    comment), which moves the case through its own transitions."""

    list_display = ["id", "refund", "status", "decided_by", "decided_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["refund__reference"]


@admin.register(InvoiceDeclaration)
class InvoiceDeclarationAdmin(ReadOnlyAdmin):
    list_display = [
        "document",
        "declared_total",
        "currency",
        "entered_by",
        "created_at",
    ]


class BacktestCaseInline(ReadOnlyInline):
    model = BacktestCase
    fields = ["refund", "candidate_status", "baseline_status"]
    readonly_fields = fields


@admin.register(Backtest)
class BacktestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "rule",
        "candidate",
        "baseline",
        "period_start",
        "period_end",
        "cases",
        "candidate_hits",
        "baseline_hits",
    ]
    inlines = [BacktestCaseInline]


@admin.register(Control)
class ControlAdmin(admin.ModelAdmin):
    list_display = ["risk", "kind", "name", "owner_role", "rule"]
    list_filter = ["risk", "kind"]
