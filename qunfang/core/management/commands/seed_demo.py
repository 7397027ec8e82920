import importlib
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qunfang.core.demo_context import DemoContext

DEMO_CITY = "1405"  # 晋城市, Shanxi: the seed's Youth League summary comes from there


class Command(BaseCommand):
    help = (
        "在真实区划（晋城市）上建立演示城市：区域、部门、各角色演示账号，以及各业务模块的演示数据"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons",
            type=int,
            default=2000,
            help="民政台账等模块生成的演示居民人数（默认 2000）",
        )
        parser.add_argument(
            "--posts",
            type=int,
            default=10_000,
            help="舆情演示回放的真实微博条数（默认 10000，即全部）",
        )
        parser.add_argument(
            "--logins-file",
            default=str(Path(settings.VAR_DIR) / "demo-logins.txt"),
            help="新建演示账号及其初始密码写入的文件（仅本机可读）",
        )

    def handle(self, *args, **options) -> None:
        if options["persons"] < 0 or options["posts"] < 0:
            raise CommandError("--persons 和 --posts 不能为负数")
        started = time.monotonic()
        ctx = DemoContext(
            city_code=DEMO_CITY,
            persons=options["persons"],
            posts=options["posts"],
            stdout=self.stdout,
            logins_file=Path(options["logins_file"]),
        )
        with transaction.atomic():
            for app in apps.get_app_configs():
                if not app.name.startswith("qunfang."):
                    continue
                try:
                    module = importlib.import_module(f"{app.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{app.name}.demo":
                        raise
                    continue
                if hasattr(module, "seed"):
                    module.seed(ctx)
        self._write_logins(ctx)
        self.stdout.write(f"演示数据就绪，用时 {time.monotonic() - started:.1f} 秒。")

    def _write_logins(self, ctx: DemoContext) -> None:
        if not ctx.logins:
            self.stdout.write(f"演示账号已存在，密码未改动（{ctx.logins_file}）：")
            if ctx.logins_file.exists():
                self.stdout.write(ctx.logins_file.read_text(encoding="utf-8"))
            return
        lines = ["账号\t初始密码\t角色与区域"]
        lines += [f"{username}\t{password}\t{what}" for username, password, what in ctx.logins]
        text = "\n".join(lines) + "\n"
        ctx.logins_file.parent.mkdir(parents=True, exist_ok=True)
        ctx.logins_file.write_text(text, encoding="utf-8")
        ctx.logins_file.chmod(0o600)
        self.stdout.write(f"新建演示账号（密码只显示这一次，也已存入 {ctx.logins_file}）：")
        self.stdout.write(text)
