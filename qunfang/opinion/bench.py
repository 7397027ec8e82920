"""Bulk data for the feed benchmark: posts generated in SQL (seconds for a million), with the
real texts shipped for the demo, spread over the regions of the county and the last 29 days, and
mixes of sentiment, risk and scheme matches like a month of monitoring.

Where posts sit: most posts name no place and stay with their source's region (the district);
in the real posts the demo replays, under 1% name a place of the city. Here 15% are spread over
the district's towns and villages, more than real, so that a town's feed is not trivially small."""

import csv
import io
import lzma

from django.db import connection
from django.utils import timezone

from qunfang.opinion.demo import POSTS
from qunfang.opinion.models import Scheme, Source
from qunfang.org.access import subtree_q
from qunfang.org.models import Region


def _texts() -> list[str]:
    with lzma.open(POSTS, "rt", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(io.StringIO(handle.read()))]


def fill_posts(source: Source, count: int) -> int:
    """Add `count` analysed-looking posts to `source`; returns the number of posts in the table."""
    texts = _texts()
    below = (
        Region.objects.filter(subtree_q(source.region.code))
        .exclude(code=source.region.code)
        .values_list("code", flat=True)
    )
    codes = [source.region.code, *below]
    schemes = list(Scheme.objects.order_by("pk").values_list("pk", flat=True))
    pg = connection.vendor == "postgresql"
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_text (i integer PRIMARY KEY, t text)")
        cursor.executemany("INSERT INTO bench_text VALUES (%s, %s)", list(enumerate(texts)))
        cursor.execute("CREATE TEMP TABLE bench_code (i integer PRIMARY KEY, c text)")
        cursor.executemany("INSERT INTO bench_code VALUES (%s, %s)", list(enumerate(codes)))
        if pg:
            series = f"generate_series(1::bigint, {count}) AS s(g)"
            when = f"TIMESTAMPTZ '{now}+00' - g * INTERVAL '2.5 seconds'"
            json_empty = "'[]'::jsonb"
            prefix = ""
        else:
            prefix = (
                "WITH RECURSIVE s(g) AS "
                f"(SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {count}) "
            )
            series = "s"
            when = f"strftime('%Y-%m-%d %H:%M:%f', '{now}', '-' || (g * 2.5) || ' seconds')"
            json_empty = "'[]'"
        cursor.execute(
            prefix
            + "INSERT INTO opinion_post (source_id, external_id, region_code, text, author, url, "
            "published_at, received_at, sentiment, emotion, epidemic, local, concerns, "
            "rumour_score, risk_score, risk_level, risk_categories, reasons, fingerprint, "
            "debunk_similarity, event_key) "
            f"SELECT {source.pk}, 'fill-' || g, bc.c, bt.t, '', '', {when}, {when}, "
            "CASE g % 4 WHEN 0 THEN 'negative' WHEN 3 THEN 'positive' ELSE 'neutral' END, '', "
            f"g % 3 = 0, g % 5 = 0, {json_empty}, 0, (g * 37) % 100, "
            "CASE WHEN g % 50 = 0 THEN 'high' WHEN g % 10 = 0 THEN 'medium' ELSE 'low' END, "
            "CASE WHEN g % 40 = 0 THEN ',rumour,' WHEN g % 70 = 0 THEN ',gathering,' ELSE '' END, "
            f"{json_empty}, 0, 0, '' "
            f"FROM {series} JOIN bench_text bt ON bt.i = g % {len(texts)} "
            f"JOIN bench_code bc ON bc.i = CASE WHEN g % 20 < 3 THEN (g * 7919) % {len(codes)} "
            "ELSE 0 END"
        )
        if schemes:
            # One post in twenty matches a scheme, the schemes in turn.
            cursor.execute(
                "INSERT INTO opinion_postscheme (post_id, scheme_id, published_at, region_code) "
                "SELECT p.id, CASE "
                + " ".join(
                    f"WHEN p.id % {len(schemes)} = {i} THEN {pk}" for i, pk in enumerate(schemes)
                )
                + " END, p.published_at, p.region_code FROM opinion_post p "
                f"WHERE p.source_id = {source.pk} AND p.id % 20 = 0"
            )
        cursor.execute("DROP TABLE bench_text")
        cursor.execute("DROP TABLE bench_code")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM opinion_post")
        return cursor.fetchone()[0]
