"""RSS/Atom polling: a source with a feed URL is read with feedparser and its new entries go
through the same validation and ingest as pushed posts. Run `python manage.py poll_feeds` from
cron (or a Celery beat schedule) every few minutes."""

import calendar
import datetime as dt
import html
from dataclasses import dataclass

import feedparser
from django.utils import timezone
from django.utils.html import strip_tags

from qunfang.opinion import ingest
from qunfang.opinion.models import Source

TIMEOUT_SECONDS = 20


@dataclass
class PollResult:
    source: Source
    entries: int = 0
    accepted: int = 0
    duplicates: int = 0
    error: str = ""


def _plain(value: str) -> str:
    return " ".join(html.unescape(strip_tags(value or "")).split())


def entry_item(entry, now: dt.datetime) -> dict:
    """A feed entry as a push item: title and summary as plain text, the entry id or link."""
    title, summary = _plain(entry.get("title", "")), _plain(entry.get("summary", ""))
    if not summary:
        text = title
    elif summary.startswith(title):
        text = summary
    else:
        text = f"{title}。{summary}"
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    published = (
        dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC).isoformat()
        if parsed
        else now.isoformat()
    )
    link = entry.get("link", "")
    return {
        "id": (entry.get("id") or link or title)[: ingest.MAX_ID],
        "text": text[: ingest.MAX_TEXT],
        "published_at": published,
        "author": _plain(entry.get("author", ""))[:100],
        "url": link if link.startswith("http") and len(link) <= 500 else "",
    }


def poll_source(source: Source) -> PollResult:
    """Fetch one source's feed and ingest what is new. Never raises for a bad feed: the error is
    recorded in the source's health view and returned."""
    result = PollResult(source=source)
    now = timezone.now()
    try:
        parsed = feedparser.parse(
            source.feed_url, agent="Qunfang/1.0 (+opinion monitoring)", request_headers={}
        )
    except Exception as error:  # feedparser's loose parser raises on some feeds (&#55296;)
        parsed = feedparser.FeedParserDict(bozo=True, bozo_exception=error, entries=[])
    Source.objects.filter(pk=source.pk).update(last_polled_at=now)
    status = getattr(parsed, "status", 200)
    # The status first: a missing feed's error page is not XML either, and "HTTP 404" tells
    # the person fixing the address more than the parser's complaint about that page.
    if status >= 400:
        result.error = f"订阅源返回 HTTP {status}"
    elif parsed.bozo and not parsed.entries:
        result.error = f"无法读取订阅源：{parsed.get('bozo_exception', '')}"[:300]
    if result.error:
        ingest.record_rejection(source, ingest.BatchRejected(502, result.error))
        return result
    result.entries = len(parsed.entries)
    items = [entry_item(entry, now) for entry in parsed.entries]
    # Keep the entries that pass; a feed is not a batch we can send back.
    good = []
    for item in items:
        try:
            good.extend(ingest.validate_items([item], now=now))
        except ingest.BatchRejected:
            continue
    unique = list({item.external_id: item for item in good}.values())
    if unique:
        done = ingest.ingest_posts(source, unique, via="rss")
        result.accepted, result.duplicates = done.accepted, done.duplicates
    return result


def poll_all() -> list[PollResult]:
    return [
        poll_source(source)
        for source in Source.objects.filter(is_active=True)
        .exclude(feed_url="")
        .select_related("region")
    ]
