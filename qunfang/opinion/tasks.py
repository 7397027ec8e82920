"""Queued work: a pushed batch analysed and stored by a worker, and the periodic feed poll.
Both run in-process when no broker is configured (CELERY_TASK_ALWAYS_EAGER)."""

from celery import shared_task

from qunfang.opinion import feeds, ingest
from qunfang.opinion.models import Source


@shared_task(name="qunfang.opinion.tasks.ingest_batch", acks_late=True)
def ingest_batch(source_id: int, items: list[dict]) -> dict:
    """Store a batch the push API has already validated (times filled in at receipt). Safe to
    run twice: posts already stored are skipped."""
    source = Source.objects.select_related("region").get(pk=source_id)
    result = ingest.ingest_posts(source, ingest.validate_items(items), via="queue")
    return {"accepted": result.accepted, "duplicates": result.duplicates}


@shared_task(name="qunfang.opinion.tasks.poll_feeds")
def poll_feeds() -> list[dict]:
    return [
        {"source": r.source.pk, "accepted": r.accepted, "error": r.error} for r in feeds.poll_all()
    ]
