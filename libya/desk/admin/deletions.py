"""The log of records removed or merged away (written by database triggers, read-only)."""

from django.contrib import admin
from django.http import HttpRequest

from libya.desk.models import Deletion


@admin.register(Deletion)
class DeletionAdmin(admin.ModelAdmin):
    """Read-only: rows come from the deletion triggers and from actor merges."""

    list_display = ["resource", "key", "merged_into", "deleted_at"]
    list_filter = ["resource"]
    date_hierarchy = "deleted_at"
    search_fields = ["key", "merged_into"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
