"""API keys in the admin, with the requests each has used in its current quota window."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from libya.desk.api.throttles import used_by_key

admin.site.unregister(APIKey)


@admin.register(APIKey)
class DeskAPIKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "usage")

    @admin.display(description=_("requests in the current window"))
    def usage(self, obj: APIKey) -> str:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get("key")
        used = used_by_key(obj.prefix)
        if not rate:
            return str(used)
        limit, _window = SimpleRateThrottle.parse_rate(None, rate)
        return f"{used} / {limit} ({rate})"
