"""Background jobs (procrastinate, in the desk's own database): found by its Django app.

``manage.py procrastinate worker`` (``make worker``) runs them; any number of workers,
on any machine that reaches the database, share the queue.
"""

import functools
import traceback

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Exists, OuterRef
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from libya.desk import enrichment
from libya.desk.models import JobError

# A lost connection is worth retrying (2, 4, 8, 16 s...); a bug in the job is not:
# it fails at once, with its error in the admin.
TRANSIENT = RetryStrategy(
    max_attempts=6, exponential_wait=2, retry_exceptions={OperationalError, InterfaceError}
)


def recording_errors(task):
    """Keep a failed attempt's error beside the job, for the admin: the queue keeps only states."""

    @functools.wraps(task)
    def run(context, **kwargs):
        try:
            return task(context, **kwargs)
        except Exception as exc:
            JobError.objects.create(
                job_id=context.job.id,
                task_name=context.job.task_name,
                attempt=context.job.attempts + 1,
                error=f"{type(exc).__name__}: {exc}",
                trace="".join(traceback.format_exception(exc))[-10_000:],
            )
            raise

    return run


@app.task(
    name="desk.enrich_article",
    queue=enrichment.QUEUE,
    retry=TRANSIENT,
    pass_context=True,
)
@recording_errors
def enrich(context, article_id: int) -> None:
    enrichment.enrich_article(article_id)


@app.periodic(cron=settings.DESK_STALLED_JOB_CRON)
@app.task(
    name="desk.retry_stalled_jobs",
    queueing_lock="retry_stalled_jobs",
    # Ahead of a backlog of thousands of enrichment jobs, or it would wait behind them.
    priority=100,
    pass_context=True,
)
async def retry_stalled_jobs(context, timestamp: int) -> None:
    """Put back in the queue the jobs of a worker that stopped sending heartbeats (killed, lost).

    procrastinate marks a job as running when a worker takes it; a worker killed
    mid-job leaves it so. Its heartbeat stops, and after ``stalled_worker_timeout``
    the job is handed to another worker.
    """
    stalled = await context.app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.PROCRASTINATE_WORKER_DEFAULTS["stalled_worker_timeout"]
    )
    for job in stalled:
        await context.app.job_manager.retry_job(job)


@app.periodic(cron="17 * * * *")
@app.task(name="desk.remove_old_jobs", queueing_lock="remove_old_jobs", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Forget jobs that succeeded over a week ago (the stalled-job check alone adds 8,640 a day).

    Failed jobs stay, with their errors, until an editor has seen them.
    """
    await context.app.job_manager.delete_old_jobs(nb_hours=24 * 7)
    jobs = ProcrastinateJob.objects.filter(pk=OuterRef("job_id"))
    await JobError.objects.filter(~Exists(jobs)).adelete()
