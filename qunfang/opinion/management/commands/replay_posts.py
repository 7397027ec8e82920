import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from opinion_engine.errors import IngestError
from opinion_engine.sources import IngestReport, iter_posts
from qunfang.core.formfields import parse_id
from qunfang.opinion import ingest
from qunfang.opinion.models import Source


class Command(BaseCommand):
    help = (
        "把一个帖文数据集（CSV/JSONL，可 .gz）按给定速率当作实时信息流回放："
        "每条以回放时刻为发布时间，经分析后入库"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", help="帖文文件，如 ../shared/data/ncov-weibo-sentiment/unlabeled_raw_posts.csv"
        )
        parser.add_argument("--rate", type=float, default=10.0, help="每秒条数（默认 10）")
        parser.add_argument("--source", required=True, help="信息源名称或编号")
        parser.add_argument("--limit", type=int, default=0, help="最多回放条数（0 为全部）")
        parser.add_argument(
            "--keep-times", action="store_true", help="保留文件中的发布时间（默认用回放时刻）"
        )

    def handle(self, *args, **options) -> None:
        if options["rate"] <= 0:
            raise CommandError("--rate 必须大于 0")
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        name = options["source"]
        pk = parse_id(name)
        source = (
            Source.objects.filter(pk=pk).first()
            if pk is not None
            else Source.objects.filter(name=name).first()
        )
        if source is None:
            raise CommandError(f"找不到信息源：{name}")
        report = IngestReport(path=str(path), source=str(source.pk))
        rate, limit = options["rate"], options["limit"]
        # Batches of about half a second of posts: live enough, and cheap per post.
        batch_size = max(1, min(500, int(rate / 2) or 1))
        started, sent, accepted, pending = time.monotonic(), 0, 0, []
        try:
            for post in iter_posts(path, source=str(source.pk), report=report):
                if limit and sent >= limit:
                    break
                if ingest.HTML_TAG.search(post.text):
                    continue
                when = post.published_at if options["keep_times"] and post.published_at else None
                pending.append(
                    ingest.Item(
                        external_id=post.external_id[: ingest.MAX_ID],
                        text=post.text[: ingest.MAX_TEXT],
                        published_at=when or timezone.now(),
                        author=post.author[:100],
                    )
                )
                sent += 1
                if len(pending) >= batch_size:
                    accepted += ingest.ingest_posts(source, pending, via="replay").accepted
                    pending = []
                    delay = started + sent / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
            if pending:
                accepted += ingest.ingest_posts(source, pending, via="replay").accepted
        except IngestError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        self.stdout.write(
            json.dumps(
                {
                    "replayed": sent,
                    "accepted": accepted,
                    "malformed": report.skipped_malformed,
                    "seconds": round(elapsed, 2),
                    "posts_per_s": round(sent / elapsed, 1) if elapsed else None,
                },
                ensure_ascii=False,
            )
        )
