"""The background job queue for editors: depth, running and failed jobs, and their errors.

procrastinate's own read-only job admin, with the queue's figures above the list
and each job's last error (which the queue itself does not keep) beside it.
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob, ProcrastinateWorker

from libya.desk.models import JobError

STATES = ["todo", "doing", "failed", "succeeded"]


def queue_figures() -> dict:
    """Jobs per state, and the workers that sent a heartbeat."""
    counts = dict(ProcrastinateJob.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "states": [(state, counts.get(state, 0)) for state in STATES],
        "workers": ProcrastinateWorker.objects.count(),
    }


admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    list_display = [*ProcrastinateJobAdmin.list_display, "attempts", "last_error"]
    # Not procrastinate's filters on locks and priorities: each lists every distinct
    # value of the table, one query apiece, which a queue of 100,000 jobs makes long.
    list_filter = ["status", "queue_name", "task_name"]
    change_list_template = "admin/procrastinate/procrastinatejob/queue_change_list.html"

    def get_queryset(self, request: HttpRequest):
        last = JobError.objects.filter(job_id=OuterRef("pk")).order_by("-pk").values("error")
        return super().get_queryset(request).annotate(last_error=Subquery(last[:1]))

    def get_fields(self, request: HttpRequest, obj=None):
        return [*super().get_fields(request, obj), "errors"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "errors"]

    @admin.display(description=_("last error"))
    def last_error(self, job: ProcrastinateJob) -> str:
        return job.last_error or ""

    @admin.display(description=_("errors, newest first"))
    def errors(self, job: ProcrastinateJob) -> str:
        rows = JobError.objects.filter(job_id=job.pk).order_by("-pk")
        return "\n\n".join(
            f"attempt {e.attempt} at {e.at:%Y-%m-%d %H:%M:%S}: {e.trace or e.error}" for e in rows
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {"queue": queue_figures(), **(extra_context or {})})


@admin.register(JobError)
class JobErrorAdmin(admin.ModelAdmin):
    """Read-only: written by the workers when a job's attempt fails."""

    list_display = ["job_id", "task_name", "attempt", "error", "at"]
    list_filter = ["task_name"]
    search_fields = ["error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
