"""API keys for programs that write, and the answers kept for retried POSTs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, APIKeyManager


class DeskAPIKeyManager(APIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # The key's user is needed on every authenticated request: one query, not two.
        return super().get_usable_keys().select_related("user")


class DeskAPIKey(AbstractAPIKey):
    """A key that acts for one user: the user's permissions are the key's.

    djangorestframework-api-key stores only a SHA-512 hash of the secret part; the
    prefix before the dot identifies the key in logs, quotas and the admin.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="api_keys",
        verbose_name=_("user"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = DeskAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``, replayed to its retries.

    Keys are scoped to the API key's user, so two clients cannot collide; the request's
    fingerprint (method, path, body hash) refuses reuse of a key for another request.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"))
    body = models.JSONField(_("body"))
    headers = models.JSONField(_("headers"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint("user", "key", name="idempotent_request_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
