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

# Models of libraries that name them in English only. Their names are part of the
# libraries' own migrations, so the admin gives them these where it lists them.
LIBRARY_MODEL_NAMES = {
    ("procrastinate", "ProcrastinateJob"): _("Jobs"),
    ("pghistory", "Events"): _("History events"),
}


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

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list:
        apps = super().get_app_list(request, app_label)
        for app in apps:
            for model in app["models"]:
                name = LIBRARY_MODEL_NAMES.get((app["app_label"], model["object_name"]))
                model["name"] = name or model["name"]
        return apps

    def get_urls(self):
        language = self.admin_view(set_language)
        return [path("language/", language, name="desk_language"), *super().get_urls()]
