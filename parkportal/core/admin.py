from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from parkportal.core.errors import DomainError
from parkportal.core.models import (
    IdempotencyRecord,
    Job,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from parkportal.core.outbox import outbox_replay
from parkportal.core.webhooks import EVENT_TYPES, webhook_redeliver


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "task", "status", "attempts", "next_attempt_at", "created_at"]
    list_filter = ["status", "task"]
    search_fields = ["task", "key", "request_id"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Replay the selected dead messages"))
    def replay(self, request, queryset):
        replayed = 0
        for message in queryset.filter(status=OutboxStatus.DEAD):
            outbox_replay(message_id=message.pk, actor=request.user)
            replayed += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued again.",
                "%(count)d messages queued again.",
                replayed,
            )
            % {"count": replayed},
            messages.SUCCESS,
        )


class WebhookSubscriptionForm(forms.ModelForm):
    event_type = forms.ChoiceField(
        label=_("event type"), choices=[(name, name) for name in EVENT_TYPES]
    )
    target_url = forms.URLField(
        label=_("target URL"), max_length=500, assume_scheme="https"
    )

    class Meta:
        model = WebhookSubscription
        fields = ["event_type", "target_url", "secret", "description", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["event_type", "target_url", "is_active", "created_at"]
    list_filter = ["event_type", "is_active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "event_type",
        "subscription",
        "status",
        "response_code",
        "attempts",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send the selected failed deliveries again"))
    def redeliver(self, request, queryset):
        for delivery in queryset:
            try:
                webhook_redeliver(delivery_id=delivery.pk, actor=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """Kept answers are evidence of what a client was told; they are read,
    never edited."""

    list_display = ("key", "user", "response_status", "created_at")
    list_filter = ("response_status",)
    search_fields = ("key", "user__username")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "requested_by", "status", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "requested_by__username"]
    readonly_fields = [
        field.name for field in Job._meta.fields if field.name != "upload"
    ]
    exclude = ["upload"]

    def has_add_permission(self, request):
        return False
