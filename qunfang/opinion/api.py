"""The push API for crawlers: `POST /api/v1/opinion/posts/` with a source's token.

The token names the source and nothing else, so a crawler can only add posts to its own source;
it reads nothing. The body is parsed here rather than by DRF's parser, so that every kind of bad
input (too big, not UTF-8, not JSON, bad items) gets its own status and a Chinese reason, and
is counted in the source's health view.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from opinion_engine.normalize import valid_strings
from qunfang.core import parsers
from qunfang.opinion import ingest
from qunfang.opinion.models import Source, token_digest

MAX_BODY_BYTES = 2 * 1024 * 1024  # under Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)


class SourcePrincipal:
    """Who is calling: a source, not a person."""

    is_authenticated = True
    is_active = True
    is_superuser = False

    def __init__(self, source: Source) -> None:
        self.source = source

    def get_username(self) -> str:
        return f"source:{self.source.pk}"


class SourceTokenAuthentication(BaseAuthentication):
    keyword = b"token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts:
            return None
        if parts[0].lower() not in (b"token", b"bearer") or len(parts) != 2:
            raise AuthenticationFailed("Authorization 应为：Token <信息源令牌>")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("令牌格式错误") from None
        source = (
            Source.objects.select_related("region").filter(token_hash=token_digest(token)).first()
        )
        if source is None:
            raise AuthenticationFailed("令牌无效")
        if not source.is_active:
            raise AuthenticationFailed("该信息源已停用")
        return SourcePrincipal(source), source

    def authenticate_header(self, request) -> str:
        return 'Token realm="qunfang"'


class TokenAuthScheme(OpenApiAuthenticationExtension):
    target_class = "qunfang.opinion.api.SourceTokenAuthentication"
    name = "sourceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <信息源令牌>（在“信息源”页面生成，只显示一次）",
        }


class IsSource(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, SourcePrincipal)


PUSH_ITEM = inline_serializer(
    "PushedPost",
    {
        "id": serializers.CharField(max_length=ingest.MAX_ID, help_text="平台上的帖文编号"),
        "text": serializers.CharField(max_length=ingest.MAX_TEXT, help_text="纯文本正文"),
        "published_at": serializers.CharField(
            required=False, help_text="ISO 8601；无时区按北京时间；缺省为收到时间"
        ),
        "author": serializers.CharField(required=False, max_length=100),
        "url": serializers.URLField(required=False, max_length=500),
    },
)
PUSH_RESULT = inline_serializer(
    "PushResult",
    {
        "received": serializers.IntegerField(),
        "accepted": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(help_text="此前已入库、本次跳过的条数"),
        "alerts": serializers.IntegerField(),
    },
)
PUSH_QUEUED = inline_serializer(
    "PushQueued",
    {"received": serializers.IntegerField(), "queued": serializers.BooleanField()},
)
PUSH_ERROR = inline_serializer(
    "PushError",
    {
        "detail": serializers.CharField(),
        "problems": serializers.ListField(
            child=inline_serializer(
                "PushProblem",
                {
                    "index": serializers.IntegerField(help_text="批内序号，从 0 起"),
                    "field": serializers.CharField(),
                    "message": serializers.CharField(),
                },
            ),
            required=False,
        ),
    },
)


class PostPushApi(APIView):
    """A crawler pushes a batch of posts; they are analysed and stored before the answer."""

    authentication_classes = [SourceTokenAuthentication]
    permission_classes = [IsSource]
    parser_classes: list = []

    @extend_schema(
        summary="推送帖文（爬虫）",
        description=(
            f"一批最多 {ingest.MAX_BATCH} 条、{MAX_BODY_BYTES // 1024 // 1024} MB，UTF-8 JSON："
            '数组，或 {"posts": [...]}。整批校验：任何一条有错则整批不入库，返回每处错误。'
            "同一信息源下 id 已入库的帖文跳过（可安全重发）。"
            "配置了任务队列（CELERY_BROKER_URL）时，校验通过即返回 202，由后台任务分析入库；"
            "否则当场分析入库并返回 200。"
        ),
        request=inline_serializer("PushBatch", {"posts": serializers.ListField(child=PUSH_ITEM)}),
        responses={
            200: PUSH_RESULT,
            400: PUSH_ERROR,
            401: PUSH_ERROR,
            413: PUSH_ERROR,
            415: PUSH_ERROR,
        },
        examples=[
            OpenApiExample(
                "一批两条",
                value={
                    "posts": [
                        {
                            "id": "4471234567890",
                            "text": "泽州县今天新增确诊病例吗？",
                            "published_at": "2020-02-03T10:15:00+08:00",
                            "author": "某网友",
                        },
                        {"id": "4471234567891", "text": "南村镇卡口的志愿者辛苦了[心]"},
                    ]
                },
                request_only=True,
            )
        ],
    )
    def post(self, request) -> Response:
        source: Source = request.auth
        items = None
        try:
            items = self._items(request)
            validated = ingest.validate_items(items)
        except ingest.BatchRejected as error:
            ingest.record_rejection(source, error, items=len(items) if items else 0)
            body = {"detail": error.reason}
            if error.problems:
                body["problems"] = error.problems[:200]
            return Response(body, status=error.status)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            from qunfang.opinion.tasks import ingest_batch

            ingest_batch.delay(source.pk, [item.as_push() for item in validated])
            return Response({"received": len(validated), "queued": True}, status=202)
        result = ingest.ingest_posts(source, validated, request=request._request, via="push")
        return Response(
            {
                "received": result.received,
                "accepted": result.accepted,
                "duplicates": result.duplicates,
                "alerts": result.alerts,
            }
        )

    def _items(self, request) -> list:
        content_type = request.content_type.split(";")[0].strip().lower()
        charset = ""
        for part in request.content_type.split(";")[1:]:
            key, _sep, value = part.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip('"').lower()
        if content_type != "application/json":
            raise ingest.BatchRejected(415, "Content-Type 必须是 application/json")
        if charset and charset not in ("utf-8", "utf8"):
            raise ingest.BatchRejected(415, f"只接受 UTF-8 编码，收到 {charset}")
        length = request.META.get("CONTENT_LENGTH") or "0"
        # ASCII digits only, and the length before int(): "²" and 5,000 digits are digits too.
        if (
            length.isascii()
            and length.isdigit()
            and (len(length) > 12 or int(length) > MAX_BODY_BYTES)
        ):
            raise ingest.BatchRejected(413, f"请求体超过 {MAX_BODY_BYTES // 1024 // 1024} MB")
        try:
            raw = request._request.body
        except RequestDataTooBig:
            raise ingest.BatchRejected(413, "请求体过大") from None
        if len(raw) > MAX_BODY_BYTES:
            raise ingest.BatchRejected(413, f"请求体超过 {MAX_BODY_BYTES // 1024 // 1024} MB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ingest.BatchRejected(
                400, f"请求体不是有效的 UTF-8（第 {error.start} 字节），请以 UTF-8 编码推送"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ingest.BatchRejected(
                400, f"JSON 格式错误：第 {error.lineno} 行第 {error.colno} 列"
            ) from None
        except RecursionError:
            raise ingest.BatchRejected(400, parsers.E_TOO_DEEP) from None
        except ValueError:  # an integer beyond Python's 4,300-digit conversion limit
            raise ingest.BatchRejected(400, parsers.E_TOO_LONG_NUMBER) from None
        if "\\u" in text:  # a lone surrogate ("\\ud800") decodes but cannot be stored
            data = valid_strings(data)
        if isinstance(data, dict):
            data = data.get("posts")
        if not isinstance(data, list):
            raise ingest.BatchRejected(400, '请求体应为帖文数组，或 {"posts": [...]}')
        return data
