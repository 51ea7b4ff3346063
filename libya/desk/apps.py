from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "libya.desk"
    label = "desk"
    verbose_name = _("Libya desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from libya import pooling
        from libya.desk import checks  # noqa: F401  (registers system checks)

        pooling.enable()
