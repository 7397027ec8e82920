import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunfang.core.ledgers import LEDGERS, ledger_import
from qunfang.core.spreadsheets import SpreadsheetError, write_template
from qunfang.org.models import Region


class Command(BaseCommand):
    help = (
        "导入台账：python manage.py import_ledger FILE --region CODE [--ledger persons] "
        "[--valid-only]；写出模板："
        "python manage.py import_ledger --template persons --out FILE.xlsx"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument("--region", help="导入到的区划代码（村、镇街或区县）")
        parser.add_argument("--ledger", default="persons", help="台账名称：" + "、".join(LEDGERS))
        parser.add_argument(
            "--valid-only", action="store_true", help="只写入正确的行，列出有错的行"
        )
        parser.add_argument("--template", metavar="LEDGER", help="写出该台账的空白模板")
        parser.add_argument("--out", help="模板的输出文件（.xlsx）")
        parser.add_argument(
            "--user", default="", help="以哪个账号的名义导入（默认：第一个超级用户）"
        )

    def handle(self, *args, **options) -> None:
        if options["template"]:
            self._template(options["template"], options["out"])
            return
        if not options["file"] or not options["region"]:
            raise CommandError("请给出文件和 --region 区划代码，或用 --template 写出模板")
        if options["ledger"] not in LEDGERS:
            raise CommandError(f"未知的台账“{options['ledger']}”，可选：{'、'.join(LEDGERS)}")
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"找不到区划代码“{options['region']}”（先用 load_regions 载入）")
        actor = self._actor(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            result = ledger_import(
                actor=actor,
                region=region,
                ledger_name=options["ledger"],
                data=path.read_bytes(),
                filename=path.name,
                valid_only=options["valid_only"],
            )
        except SpreadsheetError as error:
            reason = str(error).rstrip("。")
            raise CommandError(f"{path.name}：{reason}。未写入任何数据。") from None
        for error in result.errors:
            self.stderr.write(str(error))
        if result.written:
            self.stdout.write(
                f"已导入 {path.name} 到 {region.display_name}：共 {result.rows} 行，"
                f"新增 {result.created}，合并更新 {result.updated}，有错 {result.bad_rows} 行"
            )
        else:
            raise CommandError(
                f"{result.bad_rows} 行有错，未写入任何数据（用 --valid-only 可只导入正确的行）"
            )

    def _template(self, name: str, out: str | None) -> None:
        ledger = LEDGERS.get(name)
        if ledger is None:
            raise CommandError(f"未知的台账“{name}”，可选：{'、'.join(LEDGERS)}")
        data = write_template(ledger.spec)
        if not out or out == "-":
            sys.stdout.buffer.write(data)
            return
        Path(out).write_bytes(data)
        self.stdout.write(f"已写出“{ledger.spec.title}”模板：{out}")

    def _actor(self, username: str):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"找不到账号“{username}”")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有可用的超级用户，请用 --user 指定导入账号")
        return user
