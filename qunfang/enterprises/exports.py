"""Rows of the job-fair exports: positions, and applications masked by default; `reveal`
(VIEW_SENSITIVE, checked and audited by the view) decrypts the applicants' numbers."""

from collections.abc import Sequence

from django.db.models import QuerySet
from django.utils import timezone

from qunfang.core.crypto import decrypt

POSITION_HEADERS = [
    "企业",
    "统一社会信用代码",
    "岗位名称",
    "招聘人数",
    "月薪下限（元）",
    "月薪上限（元）",
    "工作地点",
    "任职要求",
    "招聘中",
    "收到申请",
]
APPLICATION_HEADERS = [
    "提交时间",
    "企业",
    "岗位名称",
    "姓名",
    "手机号",
    "年龄",
    "工作经历/特长",
    "提交次数",
    "处理状态",
]


def position_rows(positions: QuerySet) -> tuple[list[str], list[Sequence]]:
    rows = [
        [
            p.entry.enterprise.name,
            p.entry.enterprise.credit_code,
            p.title,
            p.headcount,
            p.salary_min,
            p.salary_max,
            p.place,
            p.requirements,
            "是" if p.is_open else "否",
            getattr(p, "application_count", None),
        ]
        for p in positions
    ]
    return POSITION_HEADERS, rows


def application_rows(
    applications: QuerySet, *, reveal: bool = False
) -> tuple[list[str], list[Sequence]]:
    rows = [
        [
            timezone.localtime(a.last_submitted_at).strftime("%Y-%m-%d %H:%M"),
            a.position.entry.enterprise.name,
            a.position.title,
            a.name,
            decrypt(a.phone) if reveal else a.phone_masked,
            a.age,
            a.experience,
            a.submissions,
            a.get_status_display(),
        ]
        for a in applications
    ]
    return APPLICATION_HEADERS, rows
