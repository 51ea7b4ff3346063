"""What each editor chose for their own interface."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EditorPreference(models.Model):
    """The interface language an editor picked; read into the session at each login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="desk_preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("interface language"), max_length=8, choices=settings.LANGUAGES, default="fr"
    )

    class Meta:
        verbose_name = _("editor preference")
        verbose_name_plural = _("editor preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
