"""Enrichment: what the desk derives from an article's text after it is stored.

Imports store articles fast and leave this to background workers (``tasks.enrich``),
one job per article. ``enrich_article`` is the one place that says what enriching
an article means; every step in it is idempotent, so a job run twice (a worker
killed after the work but before the job was marked done) changes nothing more.
"""

from collections.abc import Iterable

from django.db import transaction

from libya.desk import ingest, suggestions
from libya.desk.models import Article

QUEUE = "enrichment"


@transaction.atomic
def enrich_article(article_id: int) -> suggestions.SuggestReport | None:
    """Link the article's mentions and store the extractor's suggestions for it.

    None when the article no longer exists (deleted since it was queued). The row
    is locked for the job's length, so an import or an editor changing the article
    waits for it rather than having its text enriched half before, half after. An
    extractor failure is raised: the job fails, with its error in the admin.
    """
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        return None
    ingest.link_mentions(article)
    return suggestions.suggest_for_article(article)


def enqueue(article_ids: Iterable[int]) -> int:
    """Queue one enrichment job per article, in one statement; the caller never waits for them.

    Called inside the import's transaction: the jobs exist exactly when the articles do.
    """
    from libya.desk.tasks import enrich  # tasks need the job queue's app, ready after setup

    jobs = [{"article_id": article_id} for article_id in article_ids]
    if jobs:
        enrich.batch_defer(*jobs)
    return len(jobs)
