"""The volunteer roster as a spreadsheet (core.spreadsheets writes it): scoped like the list,
masked unless the caller may and asks to reveal (the view audits either way)."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from qunfang.core.crypto import decrypt
from qunfang.org.models import Region
from qunfang.volunteers import selectors


def volunteer_headers() -> list[str]:
    return [
        _("姓名"),
        _("性别"),
        _("身份证号"),
        _("手机号"),
        _("所在村（社区）/镇"),
        _("编入网格"),
        _("小分队"),
        _("骨干"),
        _("特长"),
        _("可服务时间"),
        _("状态"),
        _("入队日期"),
        _("服务人次"),
    ]


def volunteer_rows(user, region: Region, *, reveal: bool = False) -> list[Sequence[Any]]:
    rows = []
    for volunteer in selectors.volunteer_list(user, region=region):
        rows.append(
            [
                volunteer.name,
                volunteer.get_sex_display(),
                decrypt(volunteer.id_number) if reveal else volunteer.id_masked,
                decrypt(volunteer.phone) if reveal else volunteer.phone_masked,
                volunteer.region.display_name,
                volunteer.grid.display_name if volunteer.grid else "",
                volunteer.team.name if volunteer.team else "",
                _("是") if volunteer.is_core else "",
                "、".join(volunteer.skill_labels()),
                volunteer.availability_label(),
                volunteer.get_status_display(),
                volunteer.joined_on,
                volunteer.person_times,
            ]
        )
    return rows
