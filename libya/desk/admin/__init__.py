"""The editors' admin: one module per area; importing them registers their ModelAdmins."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from libya.desk.admin import actors, articles, claims, deletions, events, keys  # noqa: F401

admin.site.site_header = _("Libya desk")
admin.site.site_title = _("Libya desk")
admin.site.index_title = _("Curation")
