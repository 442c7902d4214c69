from django.contrib import admin

from operations.models import (
    Alert,
    CalendarDay,
    Complaint,
    Notification,
    Rating,
    SlaTarget,
    SpecialistProfile,
    StageClock,
    WeeklyDigest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services; the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SpecialistProfile)
class SpecialistProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "accepts_cases",
        "capacity",
        "green_channel",
        "out_of_office_from",
        "out_of_office_until",
    ]
    list_filter = ["accepts_cases", "green_channel"]
    raw_id_fields = ["user"]


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ["stage", "channel", "business_hours"]
    list_filter = ["channel"]
    list_editable = ["business_hours"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name_zh", "name_en"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name_zh", "name_en"]


@admin.register(StageClock)
class StageClockAdmin(ReadOnlyAdmin):
    list_display = ["refund", "stage", "channel", "started_at", "deadline", "ended_at"]
    list_filter = ["stage", "channel"]
    search_fields = ["refund__reference"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["refund", "stage", "kind", "deadline", "created_at"]
    list_filter = ["kind", "stage"]
    search_fields = ["refund__reference"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "recipient",
        "kind",
        "refund",
        "created_at",
        "read_at",
        "emailed_at",
    ]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "refund__reference"]


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "prepared_at", "notified_at"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["refund", "score", "author", "created_at"]
    list_filter = ["score"]
    search_fields = ["refund__reference"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["refund", "status", "author", "created_at", "resolved_at"]
    list_filter = ["status"]
    search_fields = ["refund__reference", "body"]
    readonly_fields = [
        "refund",
        "author",
        "body",
        "status",
        "resolution",
        "resolved_by",
        "resolved_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False
