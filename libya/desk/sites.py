"""The desk's admin site: the review dashboard as its home, and "View site" opening the API docs.

Outside the ``admin`` package: importing that package registers the ModelAdmins on
``admin.site``, which must already exist by then.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from libya.desk.dashboard import dashboard_figures
from libya.desk.language import set_language


class DeskAdminSite(admin.AdminSite):
    site_header = _("Libya desk")
    site_title = _("Libya desk")
    index_title = _("Review dashboard")
    index_template = "admin/desk/dashboard.html"
    # At 1366 px the sidebar's 300 px squeeze lists with filters off the screen; the
    # dashboard lists every model and the breadcrumbs lead back to it.
    enable_nav_sidebar = False
    # The desk has no public site of its own; its readers use the API.
    site_url = reverse_lazy("docs")

    def index(self, request: HttpRequest, extra_context: dict | None = None):
        context = {"figures": dashboard_figures(), **(extra_context or {})}
        return super().index(request, context)

    def get_urls(self):
        language = self.admin_view(set_language)
        return [path("language/", language, name="desk_language"), *super().get_urls()]
