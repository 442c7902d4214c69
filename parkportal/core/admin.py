from django.contrib import admin

from parkportal.core.models import IdempotencyRecord


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
