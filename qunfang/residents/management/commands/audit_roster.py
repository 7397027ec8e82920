import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunfang.org.models import Region
from qunfang.residents.audit import AuditLine, completeness_audit
from qunfang.residents.rules import STALE_DAYS

COLUMNS = ("名册户", "漏登户", "名册人", "漏登人", "完整率", "困难对象", "未巡查")


class Command(BaseCommand):
    help = (
        "完整性核查（村不漏户、户不漏人）："
        "python manage.py audit_roster --region CODE [--days N] [--json]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区划代码（村、镇街、区县或市）")
        parser.add_argument(
            "--days", type=int, default=STALE_DAYS, help="困难对象多少天未巡查算逾期"
        )
        parser.add_argument("--json", action="store_true", help="输出 JSON")

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=options["region"]).first()
        if region is None:
            raise CommandError(f"找不到区划代码“{options['region']}”")
        if options["days"] < 1:
            raise CommandError("--days 至少为 1")
        system = get_user_model()(is_superuser=True, is_active=True, username="audit_roster")
        report = completeness_audit(system, region, stale_days=options["days"])
        if options["json"]:
            self.stdout.write(json.dumps(_tree(report), ensure_ascii=False))
            return
        header = "".join(
            [f"{'区域':<16}", *(f"{word:>8}" for word in COLUMNS[:4]), f"{COLUMNS[4]:>9}"]
            + [f"{word:>8}" for word in COLUMNS[5:]]
        )
        self.stdout.write(
            f"完整性核查：{region.display_name}（困难对象 {options['days']} 天未巡查）"
        )
        self.stdout.write(header)
        for line, depth in _walk(report):
            rate = "未导入" if line.completeness is None else f"{line.completeness:.1f}%"
            name = ("  " * depth + line.name)[:16]
            self.stdout.write(
                f"{name:<16}{line.roster_households:>8}{line.missing_households:>8}"
                f"{line.roster_persons:>8}{line.missing_persons:>8}{rate:>9}"
                f"{line.vulnerable:>8}{line.stale_vulnerable:>8}"
            )


def _walk(line: AuditLine, depth: int = 0):
    yield line, depth
    for child in line.children:
        yield from _walk(child, depth + 1)


def _tree(line: AuditLine) -> dict:
    return {**line.as_dict(), "children": [_tree(child) for child in line.children]}
