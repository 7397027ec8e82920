"""Posts in: validation of what crawlers push, then analysis and storage in one transaction.

Every path (push API, file upload, RSS poll, replay) ends in `ingest_posts`. A batch is checked
as a whole before anything is written: a crawler we do not control gets one clear 4xx with the
reasons, and the source's health view counts the refusal.
"""

import datetime as dt
import json
import re
import types
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, Min
from django.db.models.functions import TruncHour
from django.utils import timezone

from opinion_engine.cluster import post_keywords
from opinion_engine.sources import parse_datetime
from opinion_engine.types import Post as EnginePost
from qunfang.core import bulk
from qunfang.core.audit import audit_record
from qunfang.opinion import runtime
from qunfang.opinion.models import (
    Debunk,
    Event,
    OpinionAlert,
    Post,
    PostScheme,
    RiskLevel,
    Source,
    SourceRejection,
)

MAX_BATCH = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_TEXT = 10_000
MAX_ID = 100
EVENT_MIN_POSTS = 3
# A scheme's hour is a spike when it holds at least SPIKE_MIN posts and SPIKE_FACTOR times the
# mean of the 24 hours before it (a quiet scheme needs a real burst, a busy one a real jump).
SPIKE_MIN = 20
SPIKE_FACTOR = 3.0
BASELINE_HOURS = 24
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>")


class BatchRejected(Exception):
    """A batch refused as a whole: `status` is the HTTP status, `problems` (index, field, why)."""

    def __init__(self, status: int, reason: str, problems: Sequence[dict] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.problems = list(problems)


@dataclass(frozen=True)
class Item:
    external_id: str
    text: str
    published_at: dt.datetime
    author: str = ""
    url: str = ""

    def as_push(self) -> dict:
        """The item as the push API takes it, for a queued task (JSON only)."""
        return {
            "id": self.external_id,
            "text": self.text,
            "published_at": self.published_at.isoformat(),
            "author": self.author,
            "url": self.url,
        }


@dataclass
class IngestResult:
    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    alerts: int = 0
    events: int = 0
    post_ids: list[int] = field(default_factory=list)


class Row(types.SimpleNamespace):
    """A post or scheme match on its way into the database: plain attributes named like the
    model's columns. Building model instances costs more than analysing the post."""


def _problem(index: int, field_name: str, message: str) -> dict:
    return {"index": index, "field": field_name, "message": message}


def validate_items(items: object, *, now: dt.datetime | None = None) -> list[Item]:
    """Check a pushed batch (a list of objects with id, text, optional published_at, author,
    url). Raises BatchRejected listing every bad item; returns the items otherwise."""
    if not isinstance(items, list):
        raise BatchRejected(400, "posts 必须是数组")
    if not items:
        raise BatchRejected(400, "posts 为空")
    if len(items) > MAX_BATCH:
        raise BatchRejected(413, f"一批最多 {MAX_BATCH} 条，本批 {len(items)} 条，请分批推送")
    now = now or timezone.now()
    problems: list[dict] = []
    out: list[Item] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(items):
        if not isinstance(raw, dict):
            problems.append(_problem(index, "", "每条帖文必须是 JSON 对象"))
            continue
        external_id = raw.get("id", raw.get("external_id"))
        if isinstance(external_id, int) and not isinstance(external_id, bool):
            external_id = str(external_id)
        text = raw.get("text", raw.get("content"))
        bad = len(problems)
        if not isinstance(external_id, str) or not external_id.strip():
            problems.append(_problem(index, "id", "缺少帖文编号 id"))
        elif len(external_id) > MAX_ID:
            problems.append(_problem(index, "id", f"id 超过 {MAX_ID} 个字符"))
        elif external_id in seen:
            problems.append(
                _problem(index, "id", f"本批内 id 重复（与第 {seen[external_id] + 1} 条相同）")
            )
        if not isinstance(text, str) or not text.strip():
            problems.append(_problem(index, "text", "缺少正文 text"))
        elif len(text) > MAX_TEXT:
            problems.append(_problem(index, "text", f"正文超过 {MAX_TEXT} 个字符"))
        elif "\x00" in text or "\ufffd" in text:
            problems.append(_problem(index, "text", "正文含有无法识别的字符，请以 UTF-8 推送"))
        elif HTML_TAG.search(text):
            problems.append(_problem(index, "text", "正文含有 HTML 标签，请推送纯文本"))
        published_at = now
        raw_time = raw.get("published_at", raw.get("created_at"))
        if raw_time not in (None, ""):
            try:
                published_at = parse_datetime(raw_time) or now
            except (ValueError, OverflowError) as error:
                problems.append(_problem(index, "published_at", str(error)))
            else:
                if published_at > now + dt.timedelta(hours=1):
                    problems.append(_problem(index, "published_at", "发布时间晚于当前时间"))
        author, url = raw.get("author", ""), raw.get("url", "")
        if not isinstance(author, str) or len(author) > 100:
            problems.append(_problem(index, "author", "author 必须是不超过 100 字的文本"))
        if not isinstance(url, str) or len(url) > 500 or (url and not url.startswith("http")):
            problems.append(_problem(index, "url", "url 必须是 http(s) 网址"))
        if len(problems) == bad:
            seen[external_id] = index
            out.append(Item(external_id.strip(), text.strip(), published_at, author, url))
    if problems:
        raise BatchRejected(400, f"{len(problems)} 处错误，整批未入库", problems)
    return out


def record_rejection(source: Source, error: BatchRejected, items: int = 0) -> None:
    """Count a refused batch in the source's health view (its own transaction)."""
    now = timezone.now()
    detail = error.reason
    if error.problems:
        first = error.problems[0]
        detail += f"；第 {first['index'] + 1} 条 {first['field']}：{first['message']}"
    SourceRejection.objects.create(
        source=source, at=now, status=error.status, reason=detail[:500], items=items
    )
    Source.objects.filter(pk=source.pk).update(
        rejected_batches=F("rejected_batches") + 1,
        received=F("received") + items,
        last_error=detail[:300],
        last_error_at=now,
    )


def _post_region(regions: list[str], source_code: str) -> tuple[str, bool]:
    """The most specific region the post concerns inside its source's region, and whether it
    concerns the locality at all (a region inside the source's, or one containing it)."""
    inside = [code for code in regions if code.startswith(source_code)]
    local = bool(inside) or any(source_code.startswith(code) for code in regions)
    if inside:
        return max(inside, key=len), local
    return source_code, local


def ingest_posts(
    source: Source, items: Iterable[Item], *, actor=None, request=None, via: str = "push"
) -> IngestResult:
    """Analyse and store a validated batch. Posts already stored for this source are counted as
    duplicates and skipped, so a crawler may resend a batch safely."""
    items = list(items)
    result = IngestResult(received=len(items))
    known = set(
        Post.objects.filter(
            source=source, external_id__in=[item.external_id for item in items]
        ).values_list("external_id", flat=True)
    )
    fresh = [item for item in items if item.external_id not in known]
    result.duplicates = len(items) - len(fresh)
    source_code = source.region.code
    rt = runtime.current()
    with runtime.lock():
        analysed = list(
            rt.engine.analyse(
                EnginePost(
                    source=str(source.pk),
                    external_id=item.external_id,
                    text=item.text,
                    published_at=item.published_at,
                    author=item.author,
                    url=item.url,
                    platform=source.platform,
                )
                for item in fresh
            )
        )
        event_keys = [rt.clusterer.add(post) for post in analysed]
    debunk_ids = dict(
        Debunk.objects.filter(key__in={p.debunk_id for p in analysed if p.debunk_id}).values_list(
            "key", "pk"
        )
    )
    rows = []
    for item, post, event_key in zip(fresh, analysed, event_keys, strict=True):
        risk = post.risk
        region_code, local = _post_region(post.regions, source_code)
        rows.append(
            Row(
                source_id=source.pk,
                external_id=item.external_id,
                region_code=region_code,
                text=item.text,
                author=item.author,
                url=item.url,
                published_at=item.published_at,
                sentiment=post.sentiment,
                emotion=post.emotion,
                epidemic=post.epidemic,
                local=local,
                concerns=list(post.regions),
                rumour_score=round(post.rumour_score, 4),
                risk_score=round(risk.score, 1) if risk else 0.0,
                risk_level=risk.level if risk else RiskLevel.LOW,
                risk_categories=("," + ",".join(risk.categories) + ",") if risk else "",
                reasons=[
                    {"category": r.category, "weight": round(r.weight, 1), "text": r.text}
                    for r in (risk.reasons if risk else [])
                ],
                fingerprint=post.fingerprint - (1 << 64)
                if post.fingerprint >= 1 << 63
                else post.fingerprint,
                debunk_id=debunk_ids.get(post.debunk_id),
                debunk_similarity=round(post.debunk_similarity, 4),
                event_key=event_key,
                event_id=rt.event_ids.get(event_key),
            )
        )
    with transaction.atomic():
        _insert_posts(rows)
        by_external = {row.external_id: row for row in rows}
        _link_duplicates(analysed, by_external, source)
        scheme_rows = [
            Row(
                post_id=row.pk,
                scheme_id=int(scheme_id),
                published_at=row.published_at,
                region_code=row.region_code,
            )
            for row, post in zip(rows, analysed, strict=True)
            for scheme_id in post.schemes
        ]
        columns = ["post_id", "scheme_id", "published_at", "region_code"]
        bulk.insert(PostScheme._meta.db_table, columns, _values(scheme_rows, columns))
        result.alerts = _risk_alerts(rows) + _spike_alerts(scheme_rows)
        result.events = _file_events(rt, rows)
        now = timezone.now()
        Source.objects.filter(pk=source.pk).update(
            received=F("received") + len(items),
            accepted=F("accepted") + len(rows),
            duplicates=F("duplicates") + result.duplicates,
            last_received_at=now,
        )
        audit_record(
            action="import",
            actor=actor,
            actor_name="" if actor is not None else f"source:{source.pk}",
            target=f"opinion.Source:{source.pk}",
            region_code=source_code,
            request=request,
            detail={"via": via, "received": len(items), "accepted": len(rows)},
        )
    result.accepted = len(rows)
    result.post_ids = [row.pk for row in rows]
    return result


POST_COLUMNS = [
    "source_id",
    "external_id",
    "region_code",
    "text",
    "author",
    "url",
    "published_at",
    "received_at",
    "sentiment",
    "emotion",
    "epidemic",
    "local",
    "concerns",
    "rumour_score",
    "risk_score",
    "risk_level",
    "risk_categories",
    "reasons",
    "fingerprint",
    "debunk_id",
    "debunk_similarity",
    "event_key",
    "event_id",
]
INSERT_CHUNK = 400  # rows per statement: 23 × 400 parameters stay under SQLite's limit


def _db_value(value):
    """What the database driver takes, without the ORM's per-field machinery (which costs more
    than the rest of the ingest). Lists are the JSON columns."""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _values(rows: list, columns: list[str]) -> list[tuple]:
    return [tuple(_db_value(getattr(row, column)) for column in columns) for row in rows]


def _insert_posts(rows: list[Row]) -> None:
    """Write the posts below the ORM and set each row's pk: on PostgreSQL keys drawn from the
    sequence and one COPY (core.bulk); on SQLite multi-row INSERT … RETURNING."""
    now = timezone.now()
    for row in rows:
        row.received_at = now
    table = Post._meta.db_table
    values = _values(rows, POST_COLUMNS)
    ids = bulk.reserve_ids(table, len(rows))
    if ids is not None:
        bulk.insert(
            table, ["id", *POST_COLUMNS], [(pk, *v) for pk, v in zip(ids, values, strict=True)]
        )
    else:
        ids = _insert_returning(table, POST_COLUMNS, values)
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk


def _insert_returning(table: str, columns: list[str], values: list[tuple]) -> list[int]:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), INSERT_CHUNK):
            chunk = values[start : start + INSERT_CHUNK]
            sql = f"INSERT INTO {quote(table)} ({names}) VALUES " + ", ".join([one] * len(chunk))
            # Rows come back in VALUES order (bulk_create relies on this too).
            cursor.execute(sql + " RETURNING id", [value for row in chunk for value in row])
            ids.extend(pk for (pk,) in cursor.fetchall())
    return ids


def _link_duplicates(analysed: list[EnginePost], by_external: dict[str, Row], source) -> None:
    wanted = {p.duplicate_of for p in analysed if p.duplicate_of} - set(by_external)
    # The original may be an earlier post of any source; the newest with that id wins.
    earlier = {
        external_id: pk
        for external_id, pk in Post.objects.filter(external_id__in=wanted)
        .order_by("published_at")
        .values_list("external_id", "pk")
    }
    updates = []
    for post in analysed:
        if not post.duplicate_of or post.duplicate_of == post.external_id:
            continue
        row = by_external[post.external_id]
        original = by_external.get(post.duplicate_of)
        row.duplicate_of_id = (
            original.pk if original is not None else earlier.get(post.duplicate_of)
        )
        if row.duplicate_of_id:
            updates.append(row)
    if updates:
        # Few rows are copies of others: one UPDATE per original is cheapest.
        by_original: dict[int, list[int]] = {}
        for row in updates:
            by_original.setdefault(row.duplicate_of_id, []).append(row.pk)
        for original, copies in by_original.items():
            Post.objects.filter(pk__in=copies).update(duplicate_of_id=original)


def _risk_alerts(rows: list[Row]) -> int:
    alerts = [
        OpinionAlert(
            kind=OpinionAlert.Kind.RISK,
            region_code=row.region_code,
            post_id=row.pk,
            level=RiskLevel.HIGH,
            summary=("；".join(r["text"] for r in row.reasons[:3]) or row.text)[:300],
        )
        for row in rows
        if row.risk_level == RiskLevel.HIGH
    ]
    OpinionAlert.objects.bulk_create(alerts)
    return len(alerts)


def _spike_alerts(scheme_rows: list[Row]) -> int:
    """Raise one alert per scheme and hour whose volume jumps (see SPIKE_MIN, SPIKE_FACTOR)."""
    touched = Counter(
        (row.scheme_id, row.published_at.replace(minute=0, second=0, microsecond=0))
        for row in scheme_rows
    )
    if not touched:
        return 0
    schemes = {scheme for scheme, _ in touched}
    first = min(hour for _, hour in touched) - dt.timedelta(hours=BASELINE_HOURS)
    last = max(hour for _, hour in touched) + dt.timedelta(hours=1)
    counts: dict[tuple[int, dt.datetime], int] = {}
    for row in (
        PostScheme.objects.filter(
            scheme_id__in=schemes, published_at__gte=first, published_at__lt=last
        )
        .annotate(hour=TruncHour("published_at"))
        .values("scheme_id", "hour")
        .annotate(n=Count("id"))
    ):
        counts[(row["scheme_id"], row["hour"])] = row["n"]
    raised = 0
    for scheme_id, hour in touched:
        volume = counts.get((scheme_id, hour), 0)
        before = sum(
            counts.get((scheme_id, hour - dt.timedelta(hours=h)), 0)
            for h in range(1, BASELINE_HOURS + 1)
        )
        baseline = before / BASELINE_HOURS
        if volume < SPIKE_MIN or volume < SPIKE_FACTOR * max(baseline, 1.0):
            continue
        from qunfang.opinion.models import Scheme

        scheme = Scheme.objects.select_related("region").get(pk=scheme_id)
        try:
            with transaction.atomic():
                OpinionAlert.objects.create(
                    kind=OpinionAlert.Kind.SPIKE,
                    region_code=scheme.region.code,
                    scheme=scheme,
                    window_start=hour,
                    level=RiskLevel.HIGH if volume >= 2 * SPIKE_MIN else RiskLevel.MEDIUM,
                    summary=(
                        f"方案“{scheme.name}”{timezone.localtime(hour):%m月%d日%H时}"
                        f"命中{volume}条，前24小时平均每小时{baseline:.1f}条"
                    ),
                )
            raised += 1
        except IntegrityError:  # this hour's spike is already raised
            continue
    return raised


def _file_events(rt: runtime.Runtime, rows: list[Row]) -> int:
    """Keep the Event rows of this batch's clusters up to date. A cluster becomes an Event when
    it reaches EVENT_MIN_POSTS; its earlier posts are linked then, later ones at insert."""
    batch: dict[str, list[Row]] = {}
    for row in rows:
        if row.event_key:
            batch.setdefault(row.event_key, []).append(row)
    created = 0
    changed: list[Event] = []
    known = {
        event.key: event
        for event in Event.objects.filter(key__in=[key for key in batch if key in rt.event_ids])
    }
    for key, members in batch.items():
        before = rt.event_sizes.get(key, 0)
        size = before + len(members)
        rt.event_sizes[key] = size
        if size < EVENT_MIN_POSTS:
            continue
        first = min(row.published_at for row in members)
        last = max(row.published_at for row in members)
        event = known.get(key)
        if event is None:
            stats = Post.objects.filter(event_key=key).aggregate(
                n=Count("id"), first=Min("published_at"), last=Max("published_at")
            )
            event = Event.objects.create(
                key=key,
                region_code=members[0].region_code,
                label="",
                post_count=stats["n"],
                first_seen=stats["first"],
                last_seen=stats["last"],
            )
            Post.objects.filter(event_key=key, event__isnull=True).update(event=event)
            rt.event_ids[key] = event.pk
            created += 1
        else:
            event.post_count += len(members)
            event.first_seen = min(event.first_seen or first, first)
            event.last_seen = max(event.last_seen or last, last)
        if not event.label or _crossed_power_of_two(before, size):
            event.keywords = event_keywords(key, [row.text for row in members])
            event.label = "·".join(event.keywords[:3]) or "未命名事件"
        changed.append(event)
    now = timezone.now()
    for event in changed:
        # One plain UPDATE each: cheaper to build than bulk_update's CASE over many rows.
        Event.objects.filter(pk=event.pk).update(
            post_count=event.post_count,
            first_seen=event.first_seen,
            last_seen=event.last_seen,
            keywords=event.keywords,
            label=event.label,
            updated_at=now,
        )
    return created


def _crossed_power_of_two(before: int, after: int) -> bool:
    # Relabel an event when it doubles, not on every post: labels are dear (segmentation).
    return before.bit_length() != after.bit_length()


def event_keywords(key: str, texts: list[str] = (), *, sample: int = 8, top: int = 8) -> list[str]:
    """The words that weigh most across an event's newest posts (those given, then stored)."""
    texts = list(texts)[:sample]
    if len(texts) < sample:
        texts += (
            Post.objects.filter(event_key=key)
            .order_by("-published_at")
            .values_list("text", flat=True)[: sample - len(texts)]
        )
    weights: Counter = Counter()
    for text in texts:
        for word, weight in post_keywords(text).items():
            weights[word] += weight
    return [word for word, _ in weights.most_common(top)]
