"""What the job queue does not keep: the error of each failed attempt."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobError(models.Model):
    """One failed attempt of a background job, with its error, shown to editors in the admin."""

    job_id = models.BigIntegerField(_("job"), db_index=True)
    task_name = models.CharField(_("task"), max_length=128)
    attempt = models.PositiveIntegerField(_("attempt"))
    error = models.TextField(_("error"))
    trace = models.TextField(_("traceback"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("job error")
        verbose_name_plural = _("job errors")

    def __str__(self) -> str:
        return f"job {self.job_id}, attempt {self.attempt}: {self.error[:80]}"
