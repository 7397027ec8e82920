"""Issue a key for the station's heartbeat monitor. The key acts as the named user (so it may
report only on that user's terminals); it is printed once and only its hash is stored."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qunfang.broadcast.models import MonitorToken
from qunfang.broadcast.services import can_repair_anywhere


class Command(BaseCommand):
    help = "为村村响心跳监测系统签发接入密钥（代表一个有维修权限的账号）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="密钥代表的账号，如广电台技术员")
        parser.add_argument("--name", default="", help="密钥名称，如“泽州广电监测平台”")

    def handle(self, *args, **options) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"账号 {options['username']} 不存在")
        if not can_repair_anywhere(user):
            raise CommandError(f"账号 {user.get_username()} 在镇街及以上没有村村响管理权限")
        key = secrets.token_urlsafe(32)
        MonitorToken.objects.create(
            name=options["name"] or f"{user.get_username()} 监测密钥",
            user=user,
            key_hash=MonitorToken.hash_key(key),
        )
        self.stdout.write(
            "密钥只显示这一次，请填入监测平台（请求头 Authorization: Token <密钥>）："
        )
        self.stdout.write(key)
