"""The background job queue for editors: depth, running and failed jobs, and their errors.

procrastinate's own read-only job admin, with the queue's figures above the list
and each job's last error (which the queue itself does not keep) beside it.
"""

from django.contrib import admin
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django.admin import ProcrastinateJobAdmin
from procrastinate.contrib.django.models import ProcrastinateJob, ProcrastinateWorker

from libya.desk.admin.base import titled
from libya.desk.models import JobError

STATES = ["todo", "doing", "failed", "succeeded"]
# procrastinate names its states, fields, columns and actions in English only.
STATE_LABELS = {
    "todo": _("to do"),
    "doing": _("running"),
    "failed": _("failed"),
    "succeeded": _("succeeded"),
    "cancelled": _("cancelled"),
    "aborted": _("aborted"),
}
EVENT_LABELS = {
    "deferred": _("queued"),
    "started": _("started"),
    "deferred_for_retry": _("queued for retry"),
    "failed": _("failed"),
    "succeeded": _("succeeded"),
    "cancelled": _("cancelled"),
    "abort_requested": _("abort requested"),
    "aborted": _("aborted"),
    "scheduled": _("scheduled"),
}


def queue_figures() -> dict:
    """Jobs per state, and the workers that sent a heartbeat."""
    counts = dict(ProcrastinateJob.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {
        "states": [(state, STATE_LABELS[state], counts.get(state, 0)) for state in STATES],
        "workers": ProcrastinateWorker.objects.count(),
    }


class StateFilter(admin.SimpleListFilter):
    """The job's state, named in the editor's language."""

    title = _("state")
    parameter_name = "status__exact"

    def lookups(self, request: HttpRequest, model_admin) -> list:
        return list(STATE_LABELS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


admin.site.unregister(ProcrastinateJob)


@admin.register(ProcrastinateJob)
class JobAdmin(ProcrastinateJobAdmin):
    list_display = ["pk", "task", "arguments", "state", "last_event", "tries", "last_error"]
    # Not procrastinate's filters on locks and priorities: each lists every distinct
    # value of the table, one query apiece, which a queue of 100,000 jobs makes long.
    list_filter = [
        StateFilter,
        ("queue_name", titled(admin.AllValuesFieldListFilter, _("queue"))),
        ("task_name", titled(admin.AllValuesFieldListFilter, _("task"))),
    ]
    actions = ["retry_jobs", "cancel_jobs", "abort_jobs"]
    change_list_template = "admin/procrastinate/procrastinatejob/queue_change_list.html"

    def get_queryset(self, request: HttpRequest):
        last = JobError.objects.filter(job_id=OuterRef("pk")).order_by("-pk").values("error")
        return super().get_queryset(request).annotate(last_error=Subquery(last[:1]))

    # procrastinate's own fields and event inline are labelled in English only: the same
    # facts, under the desk's labels.
    fields = [
        "number",
        "task",
        "arguments",
        "state",
        "queue",
        "lock_name",
        "scheduled",
        "tries",
        "events",
        "errors",
    ]
    readonly_fields = fields
    inlines = []

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.readonly_fields

    @admin.display(description=_("number"))
    def number(self, job: ProcrastinateJob) -> int:
        return job.pk

    @admin.display(description=_("queue"))
    def queue(self, job: ProcrastinateJob) -> str:
        return job.queue_name

    @admin.display(description=_("lock"))
    def lock_name(self, job: ProcrastinateJob) -> str:
        return job.lock or job.queueing_lock or ""

    @admin.display(description=_("scheduled for"))
    def scheduled(self, job: ProcrastinateJob) -> str:
        if job.scheduled_at is None:
            return _("as soon as possible")
        return date_format(localtime(job.scheduled_at), "DATETIME_FORMAT")

    @admin.display(description=_("events, newest first"))
    def events(self, job: ProcrastinateJob) -> str:
        return "\n".join(
            f"{event.at:%Y-%m-%d %H:%M:%S} {EVENT_LABELS.get(event.type, event.type)}"
            for event in job.procrastinateevent_set.all()
            if event.at is not None
        )

    @admin.display(description=_("task"), ordering="task_name")
    def task(self, job: ProcrastinateJob) -> str:
        return self.short_task_name(job)

    @admin.display(description=_("arguments"))
    def arguments(self, job: ProcrastinateJob) -> str:
        return self.pretty_args(job)

    @admin.display(description=_("state"), ordering="status")
    def state(self, job: ProcrastinateJob) -> str:
        return STATE_LABELS.get(job.status, job.status)

    @admin.display(description=_("last event"))
    def last_event(self, job: ProcrastinateJob) -> str:
        # procrastinate's own summary is an English template; its events are prefetched.
        event = job.procrastinateevent_set.first()
        if event is None or event.at is None:
            return ""
        label = EVENT_LABELS.get(event.type, event.type)
        return _("%(event)s %(ago)s ago") % {"event": label, "ago": timesince(event.at)}

    @admin.display(description=_("attempts"), ordering="attempts")
    def tries(self, job: ProcrastinateJob) -> int:
        return job.attempts

    @admin.action(description=_("Retry the selected failed or running jobs"))
    def retry_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        ProcrastinateJobAdmin.retry(self, request, queryset)

    @admin.action(description=_("Cancel the selected jobs still to do"))
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        ProcrastinateJobAdmin.cancel(self, request, queryset)

    @admin.action(description=_("Abort the selected jobs, to do or running"))
    def abort_jobs(self, request: HttpRequest, queryset: QuerySet) -> None:
        ProcrastinateJobAdmin.abort(self, request, queryset)

    @admin.display(description=_("last error"))
    def last_error(self, job: ProcrastinateJob) -> str:
        return job.last_error or ""

    @admin.display(description=_("errors, newest first"))
    def errors(self, job: ProcrastinateJob) -> str:
        rows = JobError.objects.filter(job_id=job.pk).order_by("-pk")
        line = _("attempt %(attempt)s at %(at)s: %(error)s")
        return "\n\n".join(
            line
            % {"attempt": e.attempt, "at": f"{e.at:%Y-%m-%d %H:%M:%S}", "error": e.trace or e.error}
            for e in rows
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # procrastinate's model is "procrastinate job": the title and breadcrumbs say "jobs".
        context = {"queue": queue_figures(), "title": _("Jobs"), "models_name": _("Jobs")}
        return super().changelist_view(request, context | (extra_context or {}))

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ):
        context = {"title": _("Job %(pk)s") % {"pk": object_id}, "models_name": _("Jobs")}
        return super().changeform_view(
            request, object_id, form_url, context | (extra_context or {})
        )


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
