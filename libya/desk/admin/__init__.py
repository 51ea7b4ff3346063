"""The editors' admin: one module per area; importing them registers their ModelAdmins."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from libya.desk.admin import (  # noqa: F401
    actors,
    articles,
    claims,
    deletions,
    events,
    jobs,
    keys,
    suggestions,
)

admin.site.site_header = _("Libya desk")
admin.site.site_title = _("Libya desk")
admin.site.index_title = _("Curation")
