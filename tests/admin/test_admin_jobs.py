"""The job queue in the admin: editors see its depth, running and failed jobs, and errors."""

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from libya.desk import enrichment
from libya.desk.models import Article, JobError


@pytest.fixture
def queued() -> list[ProcrastinateJob]:
    """Three enrichment jobs: one waiting, one running, one failed with its error."""
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True)[:3])
    enrichment.enqueue(ids)
    jobs = list(
        ProcrastinateJob.objects.filter(task_name="desk.enrich_article").order_by("-pk")[:3]
    )
    # The queue's rows are written by its SQL functions only: set the states as workers do.
    ProcrastinateJob.objects.filter(pk=jobs[1].pk).update(status="doing")
    ProcrastinateJob.objects.filter(pk=jobs[0].pk).update(status="failed", attempts=1)
    JobError.objects.create(
        job_id=jobs[0].pk,
        task_name="desk.enrich_article",
        attempt=1,
        error="OperationalError: connection to server lost",
    )
    return jobs


@pytest.mark.django_db
def test_editors_see_queue_depth_and_the_failed_jobs_error(
    editor_client, admin_root, queued, django_assert_num_queries
):
    counts = {s: ProcrastinateJob.objects.filter(status=s).count() for s in ("todo", "doing")}

    with django_assert_num_queries(14):
        response = editor_client.get(f"{admin_root}procrastinate/procrastinatejob/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"à faire : <strong>{counts['todo']}</strong>" in html
    assert f"en cours : <strong>{counts['doing']}</strong>" in html
    assert "en échec : <strong>1</strong>" in html
    assert "OperationalError: connection to server lost" in html


@pytest.mark.django_db
def test_a_jobs_page_lists_its_errors_and_cannot_be_changed(editor_client, admin_root, queued):
    failed = queued[0]

    page = editor_client.get(f"{admin_root}procrastinate/procrastinatejob/{failed.pk}/change/")
    posted = editor_client.post(
        f"{admin_root}procrastinate/procrastinatejob/{failed.pk}/change/", {"status": "todo"}
    )

    assert page.status_code == 200
    assert "tentative 1" in page.content.decode()
    assert "connection to server lost" in page.content.decode()
    assert posted.status_code == 403
    assert ProcrastinateJob.objects.get(pk=failed.pk).status == "failed"


@pytest.mark.django_db
def test_outsiders_do_not_see_the_queue(outsider_client, admin_root, queued):
    response = outsider_client.get(f"{admin_root}procrastinate/procrastinatejob/")

    assert response.status_code == 403
