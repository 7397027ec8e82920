"""Writes of the Youth League line. Each service validates, stores and audits in one
transaction and raises ValidationError (keyed by field where a form shows it) with a message in
Chinese for anything wrong with the input.

Access (who may act on which campaign, volunteer or shift) is checked by the caller through
org.access before a service is called; services check the data itself.
"""

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import blind_index, decrypt, encrypt
from qunfang.core.errors import FieldErrors, clean_text
from qunfang.core.idcard import (
    PHONE_PATTERN,
    InvalidIdNumber,
    age_on,
    mask_id_number,
    mask_phone,
    normalise_phone,
    parse_id_number,
    parse_phone,
)
from qunfang.core.models import AuditEvent
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    Category,
    ConsentText,
    DisinfectionRound,
    Equipment,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Skill,
    Slot,
    Team,
    Volunteer,
    Weekday,
)

# The consent in force. A new wording gets a new version; old sign-ups keep pointing at theirs.
CONSENT_VERSION = "2020-01"
CONSENT_BODY = (
    "本人自愿报名参加疫情防控志愿服务，同意团委及所在镇（街道）、村（社区）为招募、审核、"
    "排班、联络和统计志愿服务时长的目的，收集和使用本人填写的姓名、身份证号、手机号、所在地、"
    "特长、可服务时间和健康承诺。上述信息加密保存，仅限有权限的工作人员在其管辖范围内查看，"
    "不用于其他目的，疫情防控工作结束后按规定删除或匿名化。"
)
# Project choices: volunteers are adults (no minors' data is collected on the public page) and
# a shift can be checked into from an hour before it starts; a forgotten check-out is closed
# at the shift's end plus two hours so that one lapse cannot add a day of hours.
MIN_AGE = 18
MAX_AGE = 70
CHECK_IN_EARLY = dt.timedelta(minutes=60)
CHECK_OUT_GRACE = dt.timedelta(hours=2)
MAX_SHIFT = dt.timedelta(hours=24)
MAX_NEEDED = 200
NAME_PATTERN = re.compile(r"^[\u4e00-\u9fffA-Za-z·•. ]{2,30}$")

NAME_INVALID = gettext_noop("姓名应为2至30个汉字或字母。")
PHONE_INVALID = gettext_noop("手机号应为11位数字，以1开头。")
REGION_INVALID = gettext_noop("请从列表中选择所在村（社区）或乡镇。")
SKILL_INVALID = gettext_noop("特长选项无效，请从列表中选择。")
DAYS_REQUIRED = gettext_noop("请至少选择一个可服务日。")
SLOTS_REQUIRED = gettext_noop("请至少选择一个可服务时段。")
HEALTH_REQUIRED = gettext_noop("请阅读并勾选健康承诺；身体不适时请先休息，暂不报名。")
CONSENT_REQUIRED = gettext_noop("须同意个人信息使用说明后才能报名。")
CONSENT_CHANGED = gettext_noop("个人信息使用说明已更新，请重新阅读后再提交。")
TOO_YOUNG = gettext_noop("未满{age}周岁不能报名。")
TOO_OLD = gettext_noop("超过{age}周岁的志愿者请联系所在村（社区）报名。")
CAMPAIGN_CLOSED = gettext_noop("本次招募已结束或尚未开始。")
CAMPAIGN_TITLE_REQUIRED = gettext_noop("请填写标题。")
CAMPAIGN_DATES = gettext_noop("截止日期不能早于开始日期。")
CAMPAIGN_TARGET = gettext_noop("计划招募人数应为不小于 0 的整数。")
NOT_PENDING = gettext_noop("该报名已审核，不能重复审核。")
REASON_REQUIRED = gettext_noop("请填写未通过原因。")
TEAM_NAME_REQUIRED = gettext_noop("请填写小分队名称。")
TEAM_NAME_TAKEN = gettext_noop("该区域已有同名小分队。")
TEAM_KIND_INVALID = gettext_noop("请选择小分队类型。")
TEAM_ELSEWHERE = gettext_noop("志愿者不在该小分队所属区域内。")
LEADER_NOT_MEMBER = gettext_noop("队长须是本小分队的队员。")
GRID_INVALID = gettext_noop("网格须在志愿者所在村（社区）内。")
USER_TAKEN = gettext_noop("该账号已绑定其他志愿者。")
STATUS_INVALID = gettext_noop("请选择状态。")
CATEGORY_INVALID = gettext_noop("请选择服务类别。")
PLACE_REQUIRED = gettext_noop("请填写地点。")
SHIFT_ORDER = gettext_noop("结束时间应晚于开始时间。")
SHIFT_TOO_LONG = gettext_noop("一个班次不能超过24小时，请分成几个班次。")
NEEDED_INVALID = gettext_noop("需要人数应为1至{most}之间的整数。")
VOLUNTEER_INACTIVE = gettext_noop("{name}已暂停服务，不能安排值守。")
ALREADY_ON_SHIFT = gettext_noop("{name}已在这个班次中。")
SHIFT_FULL = gettext_noop("这个班次已满{needed}人，不能再安排。")
DOUBLE_BOOKED = gettext_noop(
    "{name}在{start}至{end}已安排“{other}”，与本班次时间重叠，不能重复安排。"
)
ALREADY_CHECKED_IN = gettext_noop("已经签到过了。")
TOO_EARLY = gettext_noop("班次{start}开始，最早可提前60分钟签到。")
SHIFT_OVER = gettext_noop("班次已结束，不能再签到。")
NOT_CHECKED_IN = gettext_noop("尚未签到，不能签退。")
ALREADY_CHECKED_OUT = gettext_noop("已经签退过了。")
CANNOT_CANCEL = gettext_noop("已签到的安排不能取消。")
SQUAD_INVALID = gettext_noop("请选择消杀专业小队。")
SQUAD_ELSEWHERE = gettext_noop("消杀小队不在该区域的上级或本级。")
PLACES_REQUIRED = gettext_noop("请至少填写一个消杀地点（每行一个）。")
PLACE_TOO_LONG = gettext_noop("地点“{place}”太长，不能超过100个字。")
DAYS_INVALID = gettext_noop("天数应为1至31之间的整数。")
EQUIPMENT_REQUIRED = gettext_noop("请至少选择一种消杀设备。")
ROUND_ALREADY_DONE = gettext_noop("该消杀任务已完成。")
ROUND_NOT_DONE = gettext_noop("该消杀任务尚未完成。")
ROUND_IN_FUTURE = gettext_noop("计划日期未到，不能确认完成。")
VOLUNTEER_ELSEWHERE = gettext_noop("志愿者{name}不在本区域内。")
REQUIRED = gettext_noop("必填。")
CONTACT_PHONE_INVALID = gettext_noop("联系电话应为11位手机号或带区号的固定电话。")
ENTERPRISE_TAKEN = gettext_noop("该区域已登记同名爱心企业。")
JOINED_IN_FUTURE = gettext_noop("加入日期不能晚于今天。")
NEED_KIND_INVALID = gettext_noop("请选择需求类型。")
NEED_IN_FUTURE = gettext_noop("提出日期不能晚于今天。")
MATCH_ONE = gettext_noop("请选择一名志愿者或一家爱心企业（只选一个）。")
NEED_DONE_ALREADY = gettext_noop("该需求已完成。")
NEED_NOT_MATCHED = gettext_noop("需求尚未对接，不能标记完成。")
FAMILY_NOT_VILLAGE = gettext_noop("家庭须登记在村（社区）或网格。")


def _lock_rows(model, pk: int) -> None:
    """Serialise writers on one row: FOR UPDATE on PostgreSQL; on SQLite the UPDATE takes the
    database write lock at once, so a concurrent writer waits instead of reading stale rows."""
    model.objects.filter(pk=pk).update(updated_at=timezone.now())
    list(model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True))


# --- consent and campaigns ------------------------------------------------------------------


def consent_current() -> ConsentText:
    consent, _created = ConsentText.objects.get_or_create(
        version=CONSENT_VERSION, defaults={"body": CONSENT_BODY}
    )
    return consent


@transaction.atomic
def campaign_create(
    *,
    actor,
    region: Region,
    title: str,
    description: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
    target: int = 0,
    request: HttpRequest | None = None,
) -> Campaign:
    errors = FieldErrors()
    title = clean_text(title)
    if not title:
        errors.add("title", _(CAMPAIGN_TITLE_REQUIRED))
    if ends_on < starts_on:
        errors.add("ends_on", _(CAMPAIGN_DATES))
    if not isinstance(target, int) or target < 0:
        errors.add("target", _(CAMPAIGN_TARGET))
    errors.raise_any()
    campaign = Campaign.objects.create(
        region=region,
        title=title[:100],
        description=clean_text(description),
        token=secrets.token_urlsafe(12),
        starts_on=starts_on,
        ends_on=ends_on,
        target=target,
        consent=consent_current(),
        created_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"招募令 {campaign.title}",
        region_code=region.code,
        request=request,
    )
    return campaign


@transaction.atomic
def campaign_set_open(*, actor, campaign: Campaign, is_open: bool, request=None) -> Campaign:
    campaign.is_open = is_open
    campaign.save(update_fields=["is_open", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"招募令 {campaign.title}",
        region_code=campaign.region.code,
        request=request,
        detail={"is_open": is_open},
    )
    return campaign


def campaign_count(campaign: Campaign, counter: str) -> None:
    """Add one to a campaign counter in the database (F(): two requests never lose one)."""
    if counter not in ("submitted", "merged", "rejected", "rate_limited"):
        raise ValueError(counter)
    Campaign.objects.filter(pk=campaign.pk).update(**{counter: F(counter) + 1})


def signup_region_choices(campaign: Campaign):
    """Towns and villages of the campaign's region a person may pick as where they live."""
    from qunfang.org.access import subtree_q

    return Region.objects.filter(
        subtree_q(campaign.region.code), level__in=[Level.TOWN, Level.VILLAGE]
    ).order_by("code")


# --- public sign-up -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignUpData:
    name: str
    id_number: str
    phone: str
    region_code: str
    skills: list[str]
    days: list[str]
    slots: list[str]
    health_declared: bool
    health_note: str
    consented: bool
    consent_version: str


@dataclass(frozen=True)
class SignUpOutcome:
    signup: SignUp
    merged: bool


def signup_validate(campaign: Campaign, data: SignUpData, *, today: dt.date | None = None):
    """Check every field of a public sign-up. Returns (parsed id, phone, region, days) or
    raises a ValidationError keyed by form field."""
    today = today or timezone.localdate()
    errors = FieldErrors()
    if not campaign.accepts_on(today):
        errors.add("__all__", _(CAMPAIGN_CLOSED))
    name = clean_text(data.name)
    if not NAME_PATTERN.match(name):
        errors.add("name", _(NAME_INVALID))
    parsed = None
    try:
        parsed = parse_id_number(data.id_number)
    except InvalidIdNumber as error:
        errors.add("id_number", str(error))
    if parsed is not None:
        age = age_on(parsed.birth_date, today)
        if age < MIN_AGE:
            errors.add("id_number", _(TOO_YOUNG).format(age=MIN_AGE))
        elif age > MAX_AGE:
            errors.add("id_number", _(TOO_OLD).format(age=MAX_AGE))
    phone = normalise_phone(data.phone)
    if not PHONE_PATTERN.match(phone):
        errors.add("phone", _(PHONE_INVALID))
    region = signup_region_choices(campaign).filter(code=clean_text(data.region_code)).first()
    if region is None:
        errors.add("region", _(REGION_INVALID))
    if any(skill not in Skill.values for skill in data.skills):
        errors.add("skills", _(SKILL_INVALID))
    day_values = {str(value) for value in Weekday.values}
    days: list[int] = []
    if not data.days or any(str(day) not in day_values for day in data.days):
        errors.add("days", _(DAYS_REQUIRED))
    else:
        days = sorted({int(day) for day in data.days})
    if not data.slots or any(slot not in Slot.values for slot in data.slots):
        errors.add("slots", _(SLOTS_REQUIRED))
    if not data.health_declared:
        errors.add("health_declared", _(HEALTH_REQUIRED))
    if not data.consented:
        errors.add("consent", _(CONSENT_REQUIRED))
    elif data.consent_version != campaign.consent.version:
        errors.add("consent", _(CONSENT_CHANGED))
    errors.raise_any()
    return parsed, phone, region, days


def signup_submit(
    *, campaign: Campaign, data: SignUpData, request: HttpRequest | None = None
) -> SignUpOutcome:
    """Store a public sign-up, or merge it into this person's earlier one (same ID number).

    Counters: every call adds one to `submitted`; a refused one also to `rejected`, a merged
    one also to `merged`. A pending or refused sign-up takes the newer details (a refused one
    goes back to pending); an approved one keeps what was vetted.
    """
    campaign_count(campaign, "submitted")
    try:
        parsed, phone, region, days = signup_validate(campaign, data)
    except ValidationError:
        campaign_count(campaign, "rejected")
        raise
    values = {
        "name": clean_text(data.name),
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "id_number": encrypt(parsed.value),
        "id_masked": mask_id_number(parsed.value),
        "phone": encrypt(phone),
        "phone_masked": mask_phone(phone),
        "region": region,
        "skills": sorted(set(data.skills)),
        "available_days": days,
        "available_slots": [slot for slot in Slot.values if slot in data.slots],
        "health_declared": True,
        "health_note": clean_text(data.health_note)[:200],
        "consent": campaign.consent,
        "consented_at": timezone.now(),
    }
    index = blind_index(parsed.value)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                outcome = _store_signup(campaign, index, values)
                audit_record(
                    action=AuditEvent.Action.UPDATE if outcome.merged else AuditEvent.Action.CREATE,
                    target=f"志愿者报名 {outcome.signup.id_masked}",
                    region_code=region.code,
                    request=request,
                    actor_name="公众报名",
                    detail={"campaign": campaign.pk, "merged": outcome.merged},
                )
        except IntegrityError:
            # Two submissions of one person raced; the second now merges into the first.
            continue
        if outcome.merged:
            campaign_count(campaign, "merged")
        return outcome
    raise RuntimeError("sign-up kept conflicting")  # pragma: no cover


def _store_signup(campaign: Campaign, index: str, values: dict) -> SignUpOutcome:
    existing = SignUp.objects.select_for_update().filter(campaign=campaign, id_index=index).first()
    if existing is None:
        signup = SignUp.objects.create(campaign=campaign, id_index=index, **values)
        return SignUpOutcome(signup=signup, merged=False)
    existing.submissions += 1
    fields = ["submissions", "updated_at"]
    if existing.status != SignUp.Status.APPROVED:
        for field, value in values.items():
            setattr(existing, field, value)
        existing.status = SignUp.Status.PENDING
        existing.reject_reason = ""
        fields += [*values, "status", "reject_reason"]
    existing.save(update_fields=fields)
    return SignUpOutcome(signup=existing, merged=True)


# --- vetting ----------------------------------------------------------------------------------


PERSON_FIELDS = [
    "name",
    "sex",
    "birth_date",
    "id_number",
    "id_masked",
    "phone",
    "phone_masked",
    "skills",
    "available_days",
    "available_slots",
]


@transaction.atomic
def signup_approve(*, actor, signup: SignUp, request=None) -> Volunteer:
    """Approve a pending sign-up: the person becomes a volunteer, or an existing volunteer with
    the same ID number (from another campaign) takes the newer details."""
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status != SignUp.Status.PENDING:
        raise ValidationError(_(NOT_PENDING))
    values = {field: getattr(signup, field) for field in PERSON_FIELDS}
    volunteer = Volunteer.objects.select_for_update().filter(id_index=signup.id_index).first()
    if volunteer is None:
        volunteer = Volunteer.objects.create(
            id_index=signup.id_index,
            region=signup.region,
            joined_on=timezone.localdate(),
            **values,
        )
    else:
        for field, value in values.items():
            setattr(volunteer, field, value)
        volunteer.status = Volunteer.Status.ACTIVE
        volunteer.save()
    signup.status = SignUp.Status.APPROVED
    signup.reject_reason = ""
    signup.vetted_by = actor
    signup.vetted_at = timezone.now()
    signup.volunteer = volunteer
    signup.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"报名审核通过 {signup.id_masked}",
        region_code=signup.region.code,
        request=request,
        detail={"signup": signup.pk, "volunteer": volunteer.pk},
    )
    return volunteer


@transaction.atomic
def signup_reject(*, actor, signup: SignUp, reason: str, request=None) -> SignUp:
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": _(REASON_REQUIRED)})
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    if signup.status != SignUp.Status.PENDING:
        raise ValidationError(_(NOT_PENDING))
    signup.status = SignUp.Status.REJECTED
    signup.reject_reason = reason[:200]
    signup.vetted_by = actor
    signup.vetted_at = timezone.now()
    signup.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"报名审核未通过 {signup.id_masked}",
        region_code=signup.region.code,
        request=request,
        detail={"signup": signup.pk},
    )
    return signup


# --- volunteers and teams -------------------------------------------------------------------


def volunteer_reveal(*, actor, volunteer: Volunteer, request=None) -> dict[str, str]:
    """The full ID and phone numbers, for a user allowed to see them; the look is audited."""
    audit_record(
        action=AuditEvent.Action.READ,
        actor=actor,
        target=f"志愿者 {volunteer.id_masked}",
        region_code=volunteer.region.code,
        request=request,
    )
    return {"id_number": decrypt(volunteer.id_number), "phone": decrypt(volunteer.phone)}


@transaction.atomic
def volunteer_update(
    *,
    actor,
    volunteer: Volunteer,
    team: Team | None,
    is_core: bool,
    grid: Region | None,
    status: str,
    user=None,
    request=None,
) -> Volunteer:
    """Place a volunteer: team, core (骨干), grid, status and the login they check in with."""
    errors = FieldErrors()
    if team is not None and not volunteer.region.code.startswith(team.region.code):
        errors.add("team", _(TEAM_ELSEWHERE))
    if grid is not None and (
        grid.level != Level.GRID or not grid.code.startswith(volunteer.region.code)
    ):
        errors.add("grid", _(GRID_INVALID))
    if status not in Volunteer.Status.values:
        errors.add("status", _(STATUS_INVALID))
    if user is not None and Volunteer.objects.filter(user=user).exclude(pk=volunteer.pk).exists():
        errors.add("user", _(USER_TAKEN))
    errors.raise_any()
    before = {
        "team": volunteer.team_id,
        "is_core": volunteer.is_core,
        "grid": volunteer.grid_id,
        "status": volunteer.status,
        "user": volunteer.user_id,
    }
    if volunteer.team_id and (team is None or team.pk != volunteer.team_id):
        # A leader who leaves the team stops leading it.
        Team.objects.filter(pk=volunteer.team_id, leader=volunteer).update(leader=None)
    volunteer.team = team
    volunteer.is_core = is_core
    volunteer.grid = grid
    volunteer.status = status
    volunteer.user = user
    volunteer.save()
    after = {
        "team": volunteer.team_id,
        "is_core": is_core,
        "grid": volunteer.grid_id,
        "status": status,
        "user": volunteer.user_id,
    }
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"志愿者 {volunteer.id_masked}",
        region_code=volunteer.region.code,
        request=request,
        detail={"changed": sorted(k for k in after if after[k] != before[k])},
    )
    return volunteer


@transaction.atomic
def team_create(*, actor, region: Region, name: str, kind: str, request=None) -> Team:
    errors = FieldErrors()
    name = clean_text(name)
    if not name:
        errors.add("name", _(TEAM_NAME_REQUIRED))
    elif Team.objects.filter(region=region, name=name).exists():
        errors.add("name", _(TEAM_NAME_TAKEN))
    if kind not in Team.Kind.values:
        errors.add("kind", _(TEAM_KIND_INVALID))
    errors.raise_any()
    team = Team.objects.create(region=region, name=name[:100], kind=kind)
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"小分队 {team.name}",
        region_code=region.code,
        request=request,
    )
    return team


@transaction.atomic
def team_set_leader(*, actor, team: Team, leader: Volunteer | None, request=None) -> Team:
    if leader is not None and leader.team_id != team.pk:
        raise ValidationError({"leader": _(LEADER_NOT_MEMBER)})
    team.leader = leader
    team.save(update_fields=["leader", "updated_at"])
    if leader is not None and not leader.is_core:
        # A team leader is a core volunteer by definition.
        Volunteer.objects.filter(pk=leader.pk).update(is_core=True)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"小分队 {team.name} 队长",
        region_code=team.region.code,
        request=request,
        detail={"leader": leader.pk if leader else None},
    )
    return team


# --- shifts, assignment, check-in/out -------------------------------------------------------


def shift_validate(
    *,
    category: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    needed: int,
    skills: list[str],
) -> None:
    errors = FieldErrors()
    if category not in Category.values:
        errors.add("category", _(CATEGORY_INVALID))
    if not clean_text(place):
        errors.add("place", _(PLACE_REQUIRED))
    if ends_at <= starts_at:
        errors.add("ends_at", _(SHIFT_ORDER))
    elif ends_at - starts_at > MAX_SHIFT:
        errors.add("ends_at", _(SHIFT_TOO_LONG))
    if not isinstance(needed, int) or isinstance(needed, bool) or not 1 <= needed <= MAX_NEEDED:
        errors.add("needed", _(NEEDED_INVALID).format(most=MAX_NEEDED))
    if any(skill not in Skill.values for skill in skills):
        errors.add("skills", _(SKILL_INVALID))
    errors.raise_any()


@transaction.atomic
def shift_create(
    *,
    actor,
    region: Region,
    category: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    needed: int,
    skills: list[str] | None = None,
    note: str = "",
    request=None,
) -> Shift:
    skills = sorted(set(skills or []))
    shift_validate(
        category=category,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        needed=needed,
        skills=skills,
    )
    shift = Shift.objects.create(
        region=region,
        category=category,
        place=clean_text(place)[:100],
        starts_at=starts_at,
        ends_at=ends_at,
        needed=needed,
        skills=skills,
        note=clean_text(note)[:200],
        created_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"值守班次 {shift}",
        region_code=region.code,
        request=request,
    )
    return shift


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


@transaction.atomic
def shift_assign(*, actor, shift: Shift, volunteer: Volunteer, request=None) -> Assignment:
    """Put a volunteer on a shift, refusing a full shift and a volunteer already booked at an
    overlapping time. The volunteer's and the shift's rows are locked first, so two cadres
    assigning the same person (or filling the last place) at the same moment cannot both win."""
    _lock_rows(Volunteer, volunteer.pk)
    _lock_rows(Shift, shift.pk)
    volunteer.refresh_from_db()
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise ValidationError(_(VOLUNTEER_INACTIVE).format(name=volunteer.name))
    if Assignment.objects.filter(shift=shift, volunteer=volunteer).exists():
        raise ValidationError(_(ALREADY_ON_SHIFT).format(name=volunteer.name))
    if Assignment.objects.filter(shift=shift).count() >= shift.needed:
        raise ValidationError(_(SHIFT_FULL).format(needed=shift.needed))
    clash = (
        Assignment.objects.filter(
            volunteer=volunteer, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at
        )
        .select_related("shift")
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _(DOUBLE_BOOKED).format(
                name=volunteer.name,
                start=_local(clash.starts_at),
                end=_local(clash.ends_at),
                other=f"{clash.shift.get_category_display()} {clash.shift.place}",
            )
        )
    assignment = Assignment.objects.create(
        shift=shift,
        volunteer=volunteer,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        assigned_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"值守安排 {volunteer.name} {shift}"[:200],
        region_code=shift.region.code,
        request=request,
    )
    return assignment


@transaction.atomic
def assignment_cancel(*, actor, assignment: Assignment, request=None) -> None:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.checked_in_at is not None:
        raise ValidationError(_(CANNOT_CANCEL))
    audit_record(
        action=AuditEvent.Action.DELETE,
        actor=actor,
        target=f"值守安排 {assignment}"[:200],
        region_code=assignment.shift.region.code,
        request=request,
    )
    assignment.delete()


@transaction.atomic
def assignment_check_in(
    *, actor, assignment: Assignment, at: dt.datetime | None = None, request=None
) -> Assignment:
    """Stamp the check-in. `at` is for the demo builder and tests; pages never pass it."""
    at = at or timezone.now()
    assignment = (
        Assignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
    )
    if assignment.checked_in_at is not None:
        raise ValidationError(_(ALREADY_CHECKED_IN))
    if at < assignment.starts_at - CHECK_IN_EARLY:
        raise ValidationError(_(TOO_EARLY).format(start=_local(assignment.starts_at)))
    if at > assignment.ends_at:
        raise ValidationError(_(SHIFT_OVER))
    assignment.checked_in_at = at
    assignment.checked_in_by = actor
    assignment.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    _audit_check(actor, assignment, "签到", request)
    return assignment


@transaction.atomic
def assignment_check_out(
    *, actor, assignment: Assignment, at: dt.datetime | None = None, request=None
) -> Assignment:
    at = at or timezone.now()
    assignment = (
        Assignment.objects.select_for_update().select_related("shift").get(pk=assignment.pk)
    )
    if assignment.checked_in_at is None:
        raise ValidationError(_(NOT_CHECKED_IN))
    if assignment.checked_out_at is not None:
        raise ValidationError(_(ALREADY_CHECKED_OUT))
    at = max(min(at, assignment.ends_at + CHECK_OUT_GRACE), assignment.checked_in_at)
    assignment.checked_out_at = at
    assignment.checked_out_by = actor
    assignment.save(update_fields=["checked_out_at", "checked_out_by", "updated_at"])
    _audit_check(actor, assignment, "签退", request)
    return assignment


def _audit_check(actor, assignment: Assignment, what: str, request) -> None:
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"{what} {assignment.volunteer.name} {assignment.shift}"[:200],
        region_code=assignment.shift.region.code,
        request=request,
        detail={"assignment": assignment.pk},
    )


# --- disinfection squad -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleResult:
    created: list[DisinfectionRound]
    skipped: int  # place-days that already had a round


@transaction.atomic
def rounds_schedule(
    *,
    actor,
    region: Region,
    squad: Team | None,
    places: list[str],
    start: dt.date,
    days: int,
    equipment: list[str],
    note: str = "",
    request=None,
) -> ScheduleResult:
    """Schedule a round per place per day for `days` days from `start`; a place-day that
    already has a round is left as it is."""
    errors = FieldErrors()
    places = list(dict.fromkeys(p.strip() for p in places if p and p.strip()))
    if squad is None or squad.kind != Team.Kind.DISINFECTION:
        errors.add("squad", _(SQUAD_INVALID))
    elif not region.code.startswith(squad.region.code):
        errors.add("squad", _(SQUAD_ELSEWHERE))
    if not places:
        errors.add("places", _(PLACES_REQUIRED))
    for place in places:
        if len(place) > 100:
            errors.add("places", _(PLACE_TOO_LONG).format(place=place[:20] + "…"))
    if not isinstance(days, int) or not 1 <= days <= 31:
        errors.add("days", _(DAYS_INVALID))
    if not equipment or any(e not in Equipment.values for e in equipment):
        errors.add("equipment", _(EQUIPMENT_REQUIRED))
    errors.raise_any()
    wanted = [(place, start + dt.timedelta(days=n)) for n in range(days) for place in places]
    existing = set(
        DisinfectionRound.objects.filter(
            region=region,
            place__in=places,
            scheduled_on__range=(start, start + dt.timedelta(days=days - 1)),
        ).values_list("place", "scheduled_on")
    )
    created = DisinfectionRound.objects.bulk_create(
        [
            DisinfectionRound(
                region=region,
                place=place,
                scheduled_on=day,
                squad=squad,
                equipment=sorted(set(equipment)),
                note=clean_text(note)[:200],
            )
            for place, day in wanted
            if (place, day) not in existing
        ]
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"消杀任务 {len(created)}个",
        region_code=region.code,
        request=request,
        detail={"places": len(places), "days": days, "skipped": len(wanted) - len(created)},
    )
    return ScheduleResult(created=created, skipped=len(wanted) - len(created))


@transaction.atomic
def round_done(
    *,
    actor,
    round: DisinfectionRound,
    volunteers: list[Volunteer] = (),
    note: str = "",
    at: dt.datetime | None = None,
    request=None,
) -> DisinfectionRound:
    at = at or timezone.now()
    round = DisinfectionRound.objects.select_for_update().get(pk=round.pk)
    if round.done_at is not None:
        raise ValidationError(_(ROUND_ALREADY_DONE))
    if round.scheduled_on > timezone.localdate(at):
        raise ValidationError(_(ROUND_IN_FUTURE))
    county = round.region.code[:6]
    for volunteer in volunteers:
        if not volunteer.region.code.startswith(county):
            raise ValidationError(_(VOLUNTEER_ELSEWHERE).format(name=volunteer.name))
    round.done_at = at
    round.done_by = actor
    if clean_text(note):
        round.note = clean_text(note)[:200]
    round.save()
    round.volunteers.set(volunteers)
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"消杀完成 {round}",
        region_code=round.region.code,
        request=request,
    )
    return round


@transaction.atomic
def round_reopen(*, actor, round: DisinfectionRound, request=None) -> DisinfectionRound:
    """Undo a 'done' marked by mistake."""
    round = DisinfectionRound.objects.select_for_update().get(pk=round.pk)
    if round.done_at is None:
        raise ValidationError(_(ROUND_NOT_DONE))
    round.done_at = None
    round.done_by = None
    round.save()
    round.volunteers.clear()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"消杀撤销完成 {round}",
        region_code=round.region.code,
        request=request,
    )
    return round


# --- Guardian-Angel help (守护天使行动) -------------------------------------------------------


def _contact_phone(raw: str, errors: FieldErrors, field: str) -> str:
    try:
        return parse_phone(raw)
    except ValueError:
        errors.add(field, _(CONTACT_PHONE_INVALID))
        return ""


@transaction.atomic
def enterprise_register(
    *,
    actor,
    region: Region,
    name: str,
    offers: str,
    contact_name: str,
    contact_phone: str,
    joined_on: dt.date,
    request=None,
) -> CaringEnterprise:
    errors = FieldErrors()
    name, offers, contact_name = clean_text(name), clean_text(offers), clean_text(contact_name)
    for field, value in (("name", name), ("offers", offers), ("contact_name", contact_name)):
        if not value:
            errors.add(field, _(REQUIRED))
    if name and CaringEnterprise.objects.filter(region=region, name=name).exists():
        errors.add("name", _(ENTERPRISE_TAKEN))
    phone = _contact_phone(contact_phone, errors, "contact_phone")
    if joined_on > timezone.localdate():
        errors.add("joined_on", _(JOINED_IN_FUTURE))
    errors.raise_any()
    enterprise = CaringEnterprise.objects.create(
        region=region,
        name=name[:100],
        offers=offers[:200],
        contact_name=contact_name[:50],
        contact_phone=encrypt(phone),
        contact_phone_masked=mask_phone(phone),
        joined_on=joined_on,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"爱心企业 {enterprise.name}",
        region_code=region.code,
        request=request,
    )
    return enterprise


@transaction.atomic
def family_register(
    *,
    actor,
    region: Region,
    medic_name: str,
    medic_unit: str,
    deployed_to: str,
    contact_name: str,
    contact_phone: str,
    address: str = "",
    note: str = "",
    request=None,
) -> MedicFamily:
    errors = FieldErrors()
    values = {
        "medic_name": clean_text(medic_name),
        "medic_unit": clean_text(medic_unit),
        "deployed_to": clean_text(deployed_to),
        "contact_name": clean_text(contact_name),
    }
    for field, value in values.items():
        if not value:
            errors.add(field, _(REQUIRED))
    if region.level not in (Level.VILLAGE, Level.GRID):
        errors.add("region", _(FAMILY_NOT_VILLAGE))
    phone = _contact_phone(contact_phone, errors, "contact_phone")
    errors.raise_any()
    family = MedicFamily.objects.create(
        region=region,
        medic_name=values["medic_name"][:50],
        medic_unit=values["medic_unit"][:100],
        deployed_to=values["deployed_to"][:100],
        contact_name=values["contact_name"][:50],
        contact_phone=encrypt(phone),
        contact_phone_masked=mask_phone(phone),
        address=clean_text(address)[:200],
        note=clean_text(note)[:200],
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"援鄂医护人员家庭 {family}",
        region_code=region.code,
        request=request,
    )
    return family


@transaction.atomic
def need_create(
    *,
    actor,
    family: MedicFamily,
    kind: str,
    description: str,
    requested_on: dt.date,
    request=None,
) -> HelpNeed:
    errors = FieldErrors()
    if kind not in HelpNeed.Kind.values:
        errors.add("kind", _(NEED_KIND_INVALID))
    if not clean_text(description):
        errors.add("description", _(REQUIRED))
    if requested_on > timezone.localdate():
        errors.add("requested_on", _(NEED_IN_FUTURE))
    errors.raise_any()
    need = HelpNeed.objects.create(
        family=family,
        region=family.region,
        kind=kind,
        description=clean_text(description)[:200],
        requested_on=requested_on,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"帮扶需求 {need}",
        region_code=family.region.code,
        request=request,
    )
    return need


@transaction.atomic
def need_match(
    *,
    actor,
    need: HelpNeed,
    volunteer: Volunteer | None = None,
    enterprise: CaringEnterprise | None = None,
    at: dt.datetime | None = None,
    request=None,
) -> HelpNeed:
    """Match an open (or re-match a matched) need to one volunteer or one caring enterprise."""
    need = HelpNeed.objects.select_for_update().get(pk=need.pk)
    if need.status == HelpNeed.Status.DONE:
        raise ValidationError(_(NEED_DONE_ALREADY))
    if (volunteer is None) == (enterprise is None):
        raise ValidationError(_(MATCH_ONE))
    need.volunteer, need.enterprise = volunteer, enterprise
    need.status = HelpNeed.Status.MATCHED
    need.matched_at = at or timezone.now()
    need.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"帮扶需求对接 {need}",
        region_code=need.region.code,
        request=request,
        detail={
            "volunteer": volunteer.pk if volunteer else None,
            "enterprise": enterprise.pk if enterprise else None,
        },
    )
    return need


@transaction.atomic
def need_done(
    *, actor, need: HelpNeed, result: str = "", at: dt.datetime | None = None, request=None
) -> HelpNeed:
    need = HelpNeed.objects.select_for_update().get(pk=need.pk)
    if need.status == HelpNeed.Status.DONE:
        raise ValidationError(_(NEED_DONE_ALREADY))
    if need.status != HelpNeed.Status.MATCHED:
        raise ValidationError(_(NEED_NOT_MATCHED))
    need.status = HelpNeed.Status.DONE
    need.done_at = at or timezone.now()
    need.result = clean_text(result)[:200]
    need.save()
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"帮扶需求完成 {need}",
        region_code=need.region.code,
        request=request,
    )
    return need
