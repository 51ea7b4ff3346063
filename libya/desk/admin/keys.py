"""API keys in the admin: create (the key is shown once), revoke, see who uses what and how much."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from libya.desk.admin.base import titled
from libya.desk.api.throttles import used_by_key
from libya.desk.models import DeskAPIKey

# The library registers its own, user-less key model; the desk's keys replace it.
admin.site.unregister(APIKey)


@admin.register(DeskAPIKey)
class DeskAPIKeyAdmin(APIKeyModelAdmin):
    # The library's fields have English names only: the list names them in the editor's language.
    list_display = [
        "key_prefix",
        "key_name",
        "user",
        "created_on",
        "last_used_at",
        "usage",
        "is_revoked",
    ]
    list_filter = [
        ("revoked", titled(admin.BooleanFieldListFilter, _("revoked"))),
        ("created", titled(admin.DateFieldListFilter, _("created"))),
    ]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "last_used_at")

    @admin.display(description=_("prefix"), ordering="prefix")
    def key_prefix(self, obj: DeskAPIKey) -> str:
        return obj.prefix

    @admin.display(description=_("name"), ordering="name")
    def key_name(self, obj: DeskAPIKey) -> str:
        return obj.name

    @admin.display(description=_("created"), ordering="created")
    def created_on(self, obj: DeskAPIKey):
        return obj.created

    @admin.display(description=_("revoked"), boolean=True, ordering="revoked")
    def is_revoked(self, obj: DeskAPIKey) -> bool:
        return obj.revoked

    def save_model(self, request: HttpRequest, obj: DeskAPIKey, form=None, change=False) -> None:
        if obj.pk:
            super().save_model(request, obj, form, change)
            return
        # The library's message is formatted before translation, so it stays English.
        key = self.model.objects.assign_key(obj)
        obj.save()
        message = _(
            "The API key for %(name)s is: %(key)s. Keep it somewhere safe: "
            "it will not be shown again."
        )
        self.message_user(request, message % {"name": obj.name, "key": key}, messages.WARNING)

    @admin.display(description=_("requests in the current window"))
    def usage(self, obj: DeskAPIKey) -> str:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get("key")
        used = used_by_key(obj.prefix)
        if not rate:
            return str(used)
        limit, _window = SimpleRateThrottle.parse_rate(None, rate)
        return f"{used} / {limit} ({rate})"
