"""The monitor's side of the loudspeaker network.

POST /broadcast/api/heartbeats/ takes a batch of heartbeats from the station's monitoring
system, authenticated by a MonitorToken (`Authorization: Token <key>`) or by a session. The
token acts as its user, so the terminals it may report on are that user's scope. Body:

    {"heartbeats": [{"terminal": "140525100200-01", "at": "2020-02-03T08:00:00+08:00"}, …]}

The batch is stored whole or not at all; then terminals in scope that stayed quiet longer
than SILENT_AFTER_MINUTES go silent and get a monitoring fault (the sweep).

GET /broadcast/api/terminals/ lists the terminals in the caller's scope with their status.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, exceptions, generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from qunfang.broadcast import services
from qunfang.broadcast.models import MonitorToken, Terminal
from qunfang.org.access import has_capability_anywhere
from qunfang.org.api import ScopedAPIMixin
from qunfang.org.roles import Capability

MAX_BEATS = 5000


class MonitorTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("监测密钥格式不对。"))
        token = (
            MonitorToken.objects.select_related("user")
            .filter(key_hash=MonitorToken.hash_key(header[1]), is_active=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("监测密钥无效或已停用。"))
        MonitorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


class MonitorTokenScheme(OpenApiAuthenticationExtension):
    target_class = "qunfang.broadcast.api.MonitorTokenAuthentication"
    name = "monitorToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token <监测密钥>（manage.py broadcast_token 签发）",
        }


class HeartbeatSerializer(serializers.Serializer):
    terminal = serializers.CharField()
    at = serializers.DateTimeField()


class HeartbeatBatchSerializer(serializers.Serializer):
    heartbeats = HeartbeatSerializer(many=True)


class HeartbeatResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    terminals = serializers.IntegerField()
    recovered = serializers.ListField(child=serializers.CharField())
    silenced = serializers.ListField(child=serializers.CharField())


class CanRunLoudspeakers(IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and has_capability_anywhere(
            request.user, Capability.MANAGE_PUBLICITY
        )


def _beats(payload) -> list[tuple[str, dt.datetime | None]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("heartbeats"), list):
        raise ValidationError(
            _("请求体应为 JSON：heartbeats 列表，每条含 terminal（终端编号）和 at（时间）。")
        )
    rows = payload["heartbeats"]
    if len(rows) > MAX_BEATS:
        raise ValidationError(_("一次最多提交 %(limit)s 条心跳。") % {"limit": MAX_BEATS})
    beats = []
    for row in rows:
        row = row if isinstance(row, dict) else {}
        moment = parse_datetime(str(row.get("at", ""))) if row.get("at") else None
        beats.append((str(row.get("terminal", "")), moment))
    return beats


class HeartbeatIngestApi(ScopedAPIMixin, APIView):
    """Record heartbeats, then sweep for silent terminals (see the module docstring)."""

    base_queryset = Terminal.objects.all()
    authentication_classes = [MonitorTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [CanRunLoudspeakers]

    @extend_schema(request=HeartbeatBatchSerializer, responses={200: HeartbeatResultSerializer})
    def post(self, request):
        try:
            payload = request.data
        except exceptions.ParseError:
            payload = None
        try:
            result = services.heartbeat_ingest(actor=request.user, beats=_beats(payload))
        except ValidationError as error:
            return Response({"errors": error.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "received": result.received,
                "terminals": result.terminals,
                "recovered": result.recovered,
                "silenced": result.silenced,
            }
        )


class TerminalSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = Terminal
        fields = [
            "code",
            "region",
            "location",
            "model",
            "status",
            "last_heartbeat_at",
            "last_reported_at",
        ]


class TerminalListApi(ScopedAPIMixin, generics.ListAPIView):
    base_queryset = Terminal.objects.select_related("region").order_by("region__code", "code")
    serializer_class = TerminalSerializer
    authentication_classes = [MonitorTokenAuthentication, authentication.SessionAuthentication]
    permission_classes = [CanRunLoudspeakers]
