"""Run by cron every few minutes: monitored terminals without a heartbeat for longer than
--minutes go silent and get a monitoring fault (the open-fault list shows them at once)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunfang.broadcast.models import SILENT_AFTER_MINUTES
from qunfang.broadcast.services import terminals_sweep


class Command(BaseCommand):
    help = "村村响心跳巡检：超过设定分钟数没有心跳的在线终端标记为失联，并生成监测故障"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=SILENT_AFTER_MINUTES,
            help=f"多少分钟没有心跳算失联（默认 {SILENT_AFTER_MINUTES}）",
        )

    def handle(self, *args, **options) -> None:
        if options["minutes"] < 1:
            raise CommandError("--minutes 应为正整数")
        faults = terminals_sweep(minutes=options["minutes"])
        for fault in faults:
            self.stdout.write(f"失联：{fault.terminal.code} {fault.terminal.location}")
        self.stdout.write(f"巡检完成：新增失联终端 {len(faults)} 个。")
