"""Benchmark of the region tree: loading a province, and subtree queries at every level.

Prints one JSON line per figure. Run through `make bench` (a scratch database under var/).
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from qunfang.org.access import Scope
from qunfang.org.models import Region
from qunfang.org.services import regions_load


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Command(BaseCommand):
    help = "区域树基准：载入一个省的区划，并测各层级“本级及以下”查询耗时（输出 JSON）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--province", default="14", help="载入的省级代码（默认 14 山西）")
        parser.add_argument("--repeat", type=int, default=200)

    def handle(self, *args, **options) -> None:
        province = options["province"]
        started = time.perf_counter()
        first = regions_load(root=province)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        regions_load(root=province)
        reload_seconds = time.perf_counter() - started
        self.emit(
            bench="regions.load",
            database=connection.vendor,
            province=province,
            regions=first.total,
            created=first.created,
            seconds=round(load_seconds, 3),
            reload_seconds=round(reload_seconds, 3),
            regions_per_s=round(first.total / load_seconds) if first.created else None,
        )

        table_rows = Region.objects.count()
        for level, code in [
            ("city", "1405"),
            ("county", "140525"),
            ("town", "140525100"),
            ("village", "140525100200"),
        ]:
            scope = Scope(roots=(code,))
            samples = []
            rows = 0
            for _ in range(options["repeat"]):
                started = time.perf_counter()
                rows = Region.objects.filter(scope.q("code")).count()
                samples.append((time.perf_counter() - started) * 1000)
            self.emit(
                bench="regions.subtree_count",
                database=connection.vendor,
                level=level,
                root=code,
                table_rows=table_rows,
                subtree_rows=rows,
                repeat=options["repeat"],
                p50_ms=round(statistics.median(samples), 3),
                p95_ms=round(percentile(samples, 0.95), 3),
            )

    def emit(self, **figures) -> None:
        self.stdout.write(json.dumps(figures, ensure_ascii=False))
