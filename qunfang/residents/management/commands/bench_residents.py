"""Benchmark of the persons ledger: importing a town's ledger file through the real import path,
and the completeness audit over a county of a million persons — on SQLite and PostgreSQL side
by side.

Prints one JSON line per figure. The command itself never touches the database DATABASE_URL
points at: it runs itself as child processes (`--child`), one on a fresh SQLite file under
var/ and one on a fresh PostgreSQL database `qunfang_bench_<pid>` that is dropped afterwards.
"""

import json
import os
import resource
import subprocess
import sys
import time
from argparse import SUPPRESS
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from qunfang.core.ledgers import ledger_import
from qunfang.core.spreadsheets import MAX_ROWS
from qunfang.org.models import Region
from qunfang.org.services import regions_load

COUNTY = "140525"  # 泽州县: 16 towns, 450 villages
TOWN = "140525100"  # 南村镇: 36 villages
IMPORT_TARGET_ROWS_PER_S = 20_000  # on PostgreSQL, stated by the issue
AUDIT_TARGET_SECONDS = 5.0  # 1,000,000 persons on PostgreSQL, stated by the issue
AUDIT_RUNS = 3
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/postgres"


class Command(BaseCommand):
    help = (
        "台账基准：按真实导入路径导入人员台账（行/秒），以及百万人规模的完整性核查耗时；"
        "在 SQLite 与 PostgreSQL 上各测一遍（输出 JSON）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100_000, help="导入文件的行数")
        parser.add_argument(
            "--audit-persons", type=int, default=1_000_000, help="PostgreSQL 上核查的人数"
        )
        parser.add_argument(
            "--sqlite-audit-persons", type=int, default=200_000, help="SQLite 上核查的人数"
        )
        parser.add_argument("--skip-postgresql", action="store_true")
        parser.add_argument("--skip-sqlite", action="store_true")
        parser.add_argument(
            "--postgresql",
            default=os.environ.get("QUNFANG_BENCH_POSTGRESQL", DEFAULT_POSTGRESQL),
            help="可建库的 PostgreSQL 连接（默认 127.0.0.1:5432，用户 postgres）",
        )
        parser.add_argument("--child", action="store_true", help=SUPPRESS)
        parser.add_argument("--database-url", help=SUPPRESS)

    def handle(self, *args, **options) -> None:
        if not 1 <= options["rows"] <= MAX_ROWS:
            raise CommandError(f"--rows 应在 1 到 {MAX_ROWS} 之间（导入文件的行数上限）")
        if options["child"]:
            self.child(options)
        else:
            self.parent(options)

    # --- the parent: scratch databases and child processes -------------------------------

    def parent(self, options) -> None:
        failures: list[str] = []
        if not options["skip_sqlite"]:
            path = Path(settings.BASE_DIR) / "var" / f"bench-residents-{os.getpid()}.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.remove_sqlite(path)
                url = f"sqlite:///{path}"
                if not self.run_child(url, options, options["sqlite_audit_persons"]):
                    failures.append("sqlite")
            finally:
                self.remove_sqlite(path)
        if not options["skip_postgresql"] and not self.postgresql_child(options):
            failures.append("postgresql")
        if failures:
            raise CommandError("基准子进程失败：" + "、".join(failures))

    def postgresql_child(self, options) -> bool:
        import psycopg

        admin = options["postgresql"]
        try:
            server = psycopg.connect(admin, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError:
            self.emit(bench="residents", postgresql="unavailable")
            return True
        name = f"qunfang_bench_{os.getpid()}"
        try:
            with server:
                server.execute(f'DROP DATABASE IF EXISTS "{name}"')
                server.execute(f'CREATE DATABASE "{name}"')
                try:
                    parts = urlsplit(admin)
                    url = urlunsplit(parts._replace(path=f"/{name}"))
                    return self.run_child(url, options, options["audit_persons"])
                finally:
                    server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            server.close()

    def run_child(self, url: str, options, audit_persons: int) -> bool:
        env = os.environ | {
            "DATABASE_URL": url,
            "QUNFANG_VAR_DIR": str(Path(settings.BASE_DIR) / "var"),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "bench_residents",
            "--child",
            "--database-url",
            url,
            "--rows",
            str(options["rows"]),
            "--audit-persons",
            str(audit_persons),
        ]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            for line in child.stdout:
                self.stdout.write(line.rstrip("\n"))
                self.stdout.flush()
        return child.returncode == 0

    @staticmethod
    def remove_sqlite(path: Path) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    # --- the child: one scratch database ---------------------------------------------------

    def child(self, options) -> None:
        url = options["database_url"] or ""
        if os.environ.get("DATABASE_URL") != url:
            raise CommandError("--child 只能由 bench_residents 以 DATABASE_URL=--database-url 启动")
        name = str(connection.settings_dict["NAME"])
        if not (
            Path(name).name.startswith("bench-residents-") or name.startswith("qunfang_bench_")
        ):
            raise CommandError(f"拒绝在非基准数据库“{name}”上运行")
        call_command("migrate", verbosity=0)
        regions_load(root=COUNTY)
        actor = get_user_model().objects.create(
            username="bench_residents", is_superuser=True, is_staff=True, is_active=True
        )
        self.bench_import(actor, options["rows"])
        self.bench_audit(actor, options["audit_persons"])

    def bench_import(self, actor, rows: int) -> None:
        from qunfang.residents.bench import persons_csv

        town = Region.objects.get(code=TOWN)
        started = time.perf_counter()
        ledger = persons_csv(town, rows)
        csv_seconds = time.perf_counter() - started

        timings = []
        cpu = []
        worker_cpu = []
        for expect in ("created", "updated"):
            started = time.perf_counter()
            cpu_started = time.process_time()  # this process, its pipeline thread included
            # Worker processes parsing a large file: counted once they have been joined.
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = ledger_import(
                actor=actor,
                region=town,
                ledger_name="persons",
                data=ledger.data,
                filename="人员台账.csv",
            )
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            worker_cpu.append(
                after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
            )
            if result.errors or getattr(result, expect) != ledger.rows or not result.written:
                raise CommandError(
                    f"导入结果异常（{expect}）：created={result.created} "
                    f"updated={result.updated} errors={[str(e) for e in result.errors[:5]]}"
                )
        first, merge = timings
        self.emit(
            bench="residents.import",
            database=connection.vendor,
            region=TOWN,
            villages=ledger.villages,
            rows=ledger.rows,
            households=ledger.households,
            tagged=ledger.tagged,
            file_mb=round(len(ledger.data) / 2**20, 2),
            csv_build_seconds=round(csv_seconds, 2),
            seconds=round(first, 2),
            rows_per_s=round(ledger.rows / first),
            client_cpu_seconds=round(cpu[0], 2),
            worker_cpu_seconds=round(worker_cpu[0], 2),
            merge_seconds=round(merge, 2),
            merge_client_cpu_seconds=round(cpu[1], 2),
            merge_worker_cpu_seconds=round(worker_cpu[1], 2),
            load_average=round(os.getloadavg()[0], 2),
            merge_rows_per_s=round(ledger.rows / merge),
            target_rows_per_s=IMPORT_TARGET_ROWS_PER_S,
            met=ledger.rows / first >= IMPORT_TARGET_ROWS_PER_S,
            merge_met=ledger.rows / merge >= IMPORT_TARGET_ROWS_PER_S,
        )

    def bench_audit(self, actor, persons: int) -> None:
        from qunfang.residents.audit import completeness_audit
        from qunfang.residents.bench import build_audit_data, clear_ledger

        county = Region.objects.get(code=COUNTY)
        started = time.perf_counter()
        clear_ledger()
        data = build_audit_data(county, persons)
        build_seconds = time.perf_counter() - started

        timings = []
        report = None
        for _ in range(AUDIT_RUNS):
            started = time.perf_counter()
            report = completeness_audit(actor, county, stale_days=3)
            timings.append(time.perf_counter() - started)
        assert report is not None
        expected_roster = data.persons + data.persons // 100
        sane = (
            report.ledger_persons == data.persons
            and report.roster_persons == data.roster_entries
            and abs(report.roster_persons - expected_roster) <= expected_roster * 0.005
            and report.completeness is not None
            and 95 <= report.completeness <= 100
            and report.missing_households == data.missing_households
            and report.villages == data.villages
            and (report.villages_with_roster == data.villages or data.households < data.villages)
        )
        self.emit(
            bench="residents.audit",
            database=connection.vendor,
            region=COUNTY,
            villages=report.villages,
            persons=data.persons,
            households=data.households,
            roster_persons=report.roster_persons,
            missing_persons=report.missing_persons,
            missing_households=report.missing_households,
            completeness=report.completeness,
            vulnerable=report.vulnerable,
            stale_vulnerable=report.stale_vulnerable,
            health_checks=data.checks,
            build_seconds=round(build_seconds, 1),
            build_steps=data.steps,
            runs=AUDIT_RUNS,
            run_seconds=[round(t, 3) for t in timings],
            first_seconds=round(timings[0], 3),
            best_seconds=round(min(timings), 3),
            load_average=round(os.getloadavg()[0], 2),
            target_seconds=AUDIT_TARGET_SECONDS,
            met=min(timings) <= AUDIT_TARGET_SECONDS,
            first_met=timings[0] <= AUDIT_TARGET_SECONDS,
            sane=sane,
        )
        if not sane:
            raise CommandError(f"核查结果不合理：{report.as_dict()}")

    def emit(self, **figures) -> None:
        self.stdout.write(json.dumps(figures, ensure_ascii=False))
        self.stdout.flush()
