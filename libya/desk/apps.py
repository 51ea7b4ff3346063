from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "libya.desk"
    label = "desk"
    verbose_name = _("Libya desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from libya import pooling
        from libya.desk import checks, language  # noqa: F401  (registers checks and signals)

        pooling.enable()


class DeskAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the desk's site (review dashboard home) as ``admin.site``."""

    default = False  # named in INSTALLED_APPS; DeskConfig stays this module's default
    default_site = "libya.desk.sites.DeskAdminSite"
