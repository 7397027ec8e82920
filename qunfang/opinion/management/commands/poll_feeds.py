import json

from django.core.management.base import BaseCommand

from qunfang.opinion.feeds import poll_all


class Command(BaseCommand):
    help = "抓取所有配置了 RSS/Atom 地址的信息源，分析并入库新条目（每行输出一个 JSON）"

    def handle(self, *args, **options) -> None:
        for result in poll_all():
            self.stdout.write(
                json.dumps(
                    {
                        "source": result.source.name,
                        "entries": result.entries,
                        "accepted": result.accepted,
                        "duplicates": result.duplicates,
                        "error": result.error,
                    },
                    ensure_ascii=False,
                )
            )
