from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from qunfang.org.services import UnknownRegionCode, regions_load


class Command(BaseCommand):
    help = "载入区划代码子树（含上级）：python manage.py load_regions --root 1405"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--root",
            required=True,
            action="append",
            help="区划代码（2/4/6/9/12 位），可重复；载入该区划、其全部下级及其上级",
        )

    def handle(self, *args, **options) -> None:
        results = []
        try:
            # All roots or none: a bad code later in the list undoes the earlier ones.
            with transaction.atomic():
                results = [regions_load(root=root) for root in options["root"]]
        except UnknownRegionCode as error:
            raise CommandError(
                f"未知的区划代码“{error}”：应为 2、4、6、9 或 12 位国家统计局区划代码，"
                "且存在于随附的 2023 年区划数据中。未写入任何数据。"
            ) from None
        for result in results:
            self.stdout.write(
                f"{result.root}: 共 {result.total} 个区划，新增 {result.created}，"
                f"更新 {result.updated}"
            )
