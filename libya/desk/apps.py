from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from pghistory import apps as pghistory_apps
from procrastinate.contrib.django import apps as procrastinate_apps


class DeskConfig(AppConfig):
    name = "libya.desk"
    label = "desk"
    verbose_name = _("Libya desk")
    default = True  # this module holds other apps' configurations too
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from libya import pooling
        from libya.desk import checks, language  # noqa: F401  (registers checks and signals)

        pooling.enable()


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the desk's site (review dashboard home) as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; DeskConfig stays this module's default
    default_site = "libya.desk.sites.DeskAdminSite"


# Libraries whose apps the admin names (home page, breadcrumbs) by their label, in
# English: the same apps under names an editor reads, in the editor's language.
class JobQueueConfig(procrastinate_apps.ProcrastinateConfig):
    default = False
    verbose_name = _("Background jobs")


class HistoryConfig(pghistory_apps.PGHistoryConfig):
    default = False
    verbose_name = _("History")
