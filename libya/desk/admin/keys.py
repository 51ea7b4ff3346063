"""API keys in the admin: create (the key is shown once), revoke, see who uses what and how much."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from libya.desk.api.throttles import used_by_key
from libya.desk.models import DeskAPIKey

# The library registers its own, user-less key model; the desk's keys replace it.
admin.site.unregister(APIKey)


@admin.register(DeskAPIKey)
class DeskAPIKeyAdmin(APIKeyModelAdmin):
    list_display = ["prefix", "name", "user", "created", "last_used_at", "usage", "revoked"]
    list_filter = ["revoked", "created"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "last_used_at")

    @admin.display(description=_("requests in the current window"))
    def usage(self, obj: DeskAPIKey) -> str:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get("key")
        used = used_by_key(obj.prefix)
        if not rate:
            return str(used)
        limit, _window = SimpleRateThrottle.parse_rate(None, rate)
        return f"{used} / {limit} ({rate})"
