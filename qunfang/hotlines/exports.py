"""Rows of the call-log export: masked by default; `reveal` (VIEW_SENSITIVE, checked and
audited by the view) decrypts the caller's number. Notes never leave the call's own page."""

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from qunfang.core.crypto import decrypt

CALL_HEADERS = [
    "来电时间",
    "热线",
    "号码",
    "来电所涉区域",
    "通话时长（分钟）",
    "来电人",
    "来电号码",
    "主题",
    "风险等级",
    "处置方式",
    "回访期限",
    "回访日期",
    "转介民政",
    "接听人",
]


def call_rows(calls: QuerySet, *, reveal: bool = False) -> tuple[list[str], list[Sequence]]:
    rows = []
    for call in calls:
        escalation = getattr(call, "escalation", None)
        rows.append(
            [
                timezone.localtime(call.received_at).strftime("%Y-%m-%d %H:%M"),
                call.line.name,
                call.line.number,
                call.region.display_name,
                call.duration_minutes,
                call.get_caller_type_display(),
                decrypt(call.caller_phone) if reveal else call.caller_phone_masked,
                call.get_topic_display(),
                call.get_risk_display(),
                call.get_action_display(),
                call.follow_up_due,
                call.follow_up_done_on,
                escalation.get_status_display() if escalation else "",
                call.taken_by.get_username() if call.taken_by else "",
            ]
        )
    return CALL_HEADERS, rows
