"""API keys in the admin: create (the key is shown once), revoke, see who uses what."""

from django.contrib import admin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from libya.desk.models import DeskAPIKey

# The library registers its own, user-less key model; the desk's keys replace it.
admin.site.unregister(APIKey)


@admin.register(DeskAPIKey)
class DeskAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ["prefix", "name", "user", "created", "last_used_at", "revoked"]
    list_filter = ["revoked", "created"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "last_used_at")
