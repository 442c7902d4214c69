"""Finance in the admin: money moves only through the services, so the
ledger, earmarks and payments are read-only here and the actions call the
same services as the API (four eyes included)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from finance.models import (
    BankStatement,
    DisbursementBatch,
    Earmark,
    FxRate,
    LedgerEntry,
    Payment,
    ReservePool,
    StatementLine,
    TopUp,
)
from finance.services import batches, rates, top_ups
from parkportal.core.errors import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, service, **kwargs):
    for obj in queryset:
        try:
            service(obj, **kwargs)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, _("%(obj)s: done.") % {"obj": obj})


@admin.register(ReservePool)
class ReservePoolAdmin(admin.ModelAdmin):
    list_display = ["name", "balance", "earmarked", "available", "low_watermark"]
    readonly_fields = ["code", "balance", "earmarked", "below_watermark", "currency"]
    fields = [
        "code",
        "name",
        "currency",
        "balance",
        "earmarked",
        "low_watermark",
        "below_watermark",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "balance_change",
        "earmark_change",
        "refund",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["refund__reference", "memo"]
    date_hierarchy = "created_at"


@admin.register(TopUp)
class TopUpAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "amount",
        "status",
        "expected_on",
        "proposed_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status"]
    fields = ["amount", "expected_on", "bank_reference", "note"]
    actions = ["confirm"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = top_ups.top_up_propose(
            actor=request.user,
            amount=obj.amount,
            expected_on=obj.expected_on,
            bank_reference=obj.bank_reference,
            note=obj.note,
        )
        obj.pk = created.pk

    @admin.action(description=_("Confirm the selected top-ups"))
    def confirm(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda top_up: top_ups.top_up_confirm(
                top_up_id=top_up.pk, actor=request.user
            ),
        )


@admin.register(Earmark)
class EarmarkAdmin(ReadOnlyAdmin):
    list_display = ["refund", "amount_cny", "status", "earmarked_at", "created_at"]
    list_filter = ["status"]
    search_fields = ["refund__reference"]


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "valid_on", "rate", "source", "entered_by"]
    list_filter = ["currency", "source"]
    fields = ["currency", "valid_on", "rate"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = rates.fx_rate_set(
            actor=request.user,
            currency=obj.currency,
            valid_on=obj.valid_on,
            rate=obj.rate,
        )
        obj.pk = saved.pk


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = [
        "end_to_end_id",
        "refund",
        "amount",
        "currency",
        "status",
        "fx_variance_cny",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DisbursementBatch)
class DisbursementBatchAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "built_by", "authorised_by", "authorised_at"]
    list_filter = ["status"]
    search_fields = ["reference"]
    inlines = [PaymentInline]
    actions = ["authorise"]

    @admin.action(description=_("Authorise the selected batches"))
    def authorise(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda batch: batches.batch_authorise(
                batch_id=batch.pk, actor=request.user
            ),
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "end_to_end_id",
        "refund",
        "amount",
        "currency",
        "status",
        "fx_variance_cny",
        "settled_at",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["end_to_end_id", "refund__reference"]
    exclude = ["payee_account"]


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = [
        "line_key",
        "end_to_end_id",
        "amount",
        "currency",
        "returned",
        "reason",
        "outcome",
        "resolved_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["statement_id", "file_format", "imported_by", "created_at"]
    search_fields = ["statement_id"]
    inlines = [StatementLineInline]


@admin.register(StatementLine)
class StatementLineAdmin(ReadOnlyAdmin):
    list_display = [
        "statement",
        "line_key",
        "end_to_end_id",
        "amount",
        "outcome",
        "resolved_at",
    ]
    list_filter = ["outcome", "returned"]
    search_fields = ["end_to_end_id", "line_key"]
