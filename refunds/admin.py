"""The refund lifecycle in the Django admin. Cases, steps, documents,
messages and the audit trail are read here; every change of state goes
through the lifecycle services, as an admin action."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parkportal.core.errors import DomainError
from refunds.models import (
    ApprovalDelegation,
    ApprovalStep,
    ApprovalThreshold,
    AuditEvent,
    AuditSeal,
    ChainVerification,
    Document,
    Message,
    ReferenceCounter,
    RefundRequest,
    TimelineEntry,
    UnsealedEvent,
)
from refunds.services.audit import audit_record
from refunds.services.lifecycle import refund_transition


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: the admin shows them and nothing
    more."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TransitionForm(forms.Form):
    comment = forms.CharField(
        label=_("comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    amount = forms.DecimalField(
        label=_("approved amount"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to approve the full amount."),
    )

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        if step != "approve":
            del self.fields["amount"]


# (name, label, asks for a comment first). Steps that carry a reason or an
# amount pass through an intermediate form. The payment steps are not here:
# they move only with the pool's money, in finance's batches and statements.
ADMIN_STEPS = (
    ("forward", _("Forward for approval"), False),
    ("approve", _("Approve"), True),
    ("reject", _("Reject"), True),
    ("send_back", _("Send back for review"), True),
    ("request_info", _("Request more information"), True),
    ("hold", _("Put on risk hold"), True),
    ("clear", _("Clear the risk hold"), True),
    ("close", _("Close"), False),
)
_FORM_STEPS = {name for name, _label, asks in ADMIN_STEPS if asks}
_LABELS = {name: label for name, label, _asks in ADMIN_STEPS}


def _step_action(name: str, label):
    def take(modeladmin, request, queryset):
        return modeladmin.take_step(request, queryset, name)

    take.__name__ = f"take_{name}"
    return admin.action(description=label)(take)


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    can_delete = False
    fields = (
        "round",
        "position",
        "level",
        "status",
        "decided_by",
        "on_behalf_of",
        "decided_at",
        "approved_amount",
        "comment",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "enterprise",
        "state",
        "amount",
        "currency",
        "approved_amount",
        "reason",
        "owner",
        "risk_level",
        "created_at",
    )
    list_filter = ("state", "reason", "currency", "risk_level", "enterprise")
    search_fields = ("reference", "enterprise__name", "payee_name", "description")
    list_select_related = ("enterprise", "owner")
    date_hierarchy = "created_at"
    inlines = (ApprovalStepInline,)
    actions = [_step_action(name, label) for name, label, _asks in ADMIN_STEPS]

    def take_step(self, request, queryset, name):
        form = None
        if name in _FORM_STEPS:
            if "apply" not in request.POST:
                return self._step_form(
                    request, queryset, name, TransitionForm(step=name)
                )
            form = TransitionForm(request.POST, step=name)
            if not form.is_valid():
                return self._step_form(request, queryset, name, form)
        params = {"comment": form.cleaned_data["comment"]} if form else {}
        if form and form.cleaned_data.get("amount") is not None:
            params["amount"] = form.cleaned_data["amount"]
        self._take_on_each(request, queryset, name, params)
        return None

    def _take_on_each(self, request, queryset, name, params) -> None:
        done = []
        for refund in queryset.order_by("pk"):
            try:
                refund_transition(
                    refund_id=refund.pk, name=name, actor=request.user, **params
                )
            except DomainError as error:
                self.message_user(
                    request,
                    gettext("%(reference)s: %(message)s")
                    % {"reference": refund.reference, "message": error.message},
                    messages.ERROR,
                )
            else:
                done.append(refund.reference)
        if done:
            self.message_user(
                request,
                gettext("%(step)s: done for %(references)s.")
                % {"step": _LABELS[name], "references": ", ".join(done)},
                messages.SUCCESS,
            )

    def _step_form(self, request, queryset, name, form):
        context = {
            **self.admin_site.each_context(request),
            "title": _LABELS[name],
            "opts": self.model._meta,
            "refunds": queryset.order_by("pk"),
            "form": form,
            "action": f"take_{name}",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/refunds/refundrequest/transition_form.html", context
        )


class AuditedPolicyAdmin(admin.ModelAdmin):
    """Policy rows are edited here; each change lands in the audit trail
    with the admin's own log."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = {
                field: str(form.initial.get(field)) for field in form.changed_data
            }
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.{'change' if change else 'add'}",
                obj=obj,
                before=before if change else {},
                after={
                    field: str(form.cleaned_data.get(field))
                    for field in form.changed_data
                },
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete",
                obj=obj,
                before={"row": str(obj)},
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ApprovalThreshold)
class ApprovalThresholdAdmin(AuditedPolicyAdmin):
    list_display = ("position", "level", "min_amount_cny", "active", "updated_at")
    list_filter = ("active",)
    ordering = ("position",)


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(AuditedPolicyAdmin):
    list_display = ("delegator", "delegate", "starts_at", "ends_at", "reason")
    search_fields = ("delegator__username", "delegate__username", "reason")
    list_select_related = ("delegator", "delegate")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("delegator", "delegate")


@admin.register(ApprovalStep)
class ApprovalStepAdmin(ReadOnlyAdmin):
    list_display = (
        "refund",
        "round",
        "position",
        "level",
        "status",
        "decided_by",
        "decided_at",
        "approved_amount",
    )
    list_filter = ("level", "status")
    search_fields = ("refund__reference", "decided_by__username")
    list_select_related = ("refund", "decided_by")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = (
        "original_name",
        "refund",
        "kind",
        "content_type",
        "size",
        "uploaded_by",
        "created_at",
    )
    list_filter = ("kind", "content_type")
    search_fields = ("original_name", "refund__reference", "sha256")
    list_select_related = ("refund", "uploaded_by")
    exclude = ("file",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("refund", "author", "internal", "short_body", "created_at")
    list_filter = ("internal",)
    search_fields = ("refund__reference", "body", "author__username")
    list_select_related = ("refund", "author")

    @admin.display(description=_("message"))
    def short_body(self, message):
        return message.body[:80]


@admin.register(TimelineEntry)
class TimelineEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "refund",
        "kind",
        "actor",
        "state_before",
        "state_after",
        "visible_to_enterprise",
        "created_at",
    )
    list_filter = ("kind", "visible_to_enterprise")
    search_fields = ("refund__reference",)
    list_select_related = ("refund", "actor")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ("year", "last_number")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "occurred_at",
        "actor_name",
        "on_behalf_of",
        "action",
        "object_type",
        "object_id",
        "refund",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id", "refund__reference", "action")
    list_select_related = ("refund", "on_behalf_of")
    date_hierarchy = "occurred_at"


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAdmin):
    list_display = ("position", "event", "hash", "sealed_at")
    search_fields = ("hash",)
    list_select_related = ("event",)


@admin.register(UnsealedEvent)
class UnsealedEventAdmin(ReadOnlyAdmin):
    list_display = ("event",)
    list_select_related = ("event",)


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyAdmin):
    list_display = (
        "finished_at",
        "intact",
        "checked",
        "unsealed",
        "broken_at",
        "requested_by",
    )
    list_filter = ("intact",)
    list_select_related = ("requested_by",)
