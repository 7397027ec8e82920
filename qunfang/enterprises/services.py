"""Writes of enterprise service and the online job fair. Each service validates, stores and
audits in one transaction; access is checked by the caller through org.access, except for the
public application, which needs no login and checks the fair, the entry and the position
itself."""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import blind_index, decrypt, encrypt
from qunfang.core.errors import FieldErrors, clean_text
from qunfang.core.idcard import mask_phone, parse_phone
from qunfang.core.models import AuditEvent
from qunfang.enterprises.credit_code import InvalidCreditCode, parse_credit_code
from qunfang.enterprises.models import (
    Application,
    BlockedSubmission,
    Enterprise,
    FairEntry,
    JobFair,
    Position,
    Problem,
    ResumptionReport,
    Visit,
)
from qunfang.org.models import Department, Region

NAME_REQUIRED = gettext_noop("请填写企业名称。")
CODE_TAKEN = gettext_noop("已登记过这个统一社会信用代码的企业：{name}。")
INDUSTRY_INVALID = gettext_noop("请选择行业。")
SIZE_INVALID = gettext_noop("请选择企业规模。")
EMPLOYEES_INVALID = gettext_noop("职工人数应为不小于 0 的整数。")
CONTACT_REQUIRED = gettext_noop("请填写联系人。")
WORK_GROUP_ELSEWHERE = gettext_noop("工作组须设在企业所在区域或其上级区域。")
REGION_TOO_HIGH = gettext_noop("企业所在区域应具体到区县、乡镇或村（社区）。")

VISIT_IN_FUTURE = gettext_noop("走访日期不能晚于今天。")
VISITORS_REQUIRED = gettext_noop("请填写走访人员。")
CATEGORY_INVALID = gettext_noop("请选择问题类别。")
DESCRIPTION_REQUIRED = gettext_noop("请写明企业反映的问题。")
RAISED_IN_FUTURE = gettext_noop("提出日期不能晚于今天。")
VISIT_OTHER_ENTERPRISE = gettext_noop("所选走访不是这家企业的。")
PROBLEM_SOLVED = gettext_noop("这个问题已经解决。")
RESOLUTION_REQUIRED = gettext_noop("请写明解决情况。")
SOLVED_DATE = gettext_noop("解决日期应在提出日期与今天之间。")
STATUS_INVALID = gettext_noop("请选择复工状态。")
REPORTED_IN_FUTURE = gettext_noop("日期不能晚于今天。")
WORKERS_INVALID = gettext_noop("返岗人数应为不小于 0 的整数。")
WORKERS_TOO_MANY = gettext_noop("返岗人数不能超过职工人数（{employees}人）。")
STOPPED_WITH_WORKERS = gettext_noop("停工状态下返岗人数应为 0。")

FAIR_TITLE_REQUIRED = gettext_noop("请填写招聘会名称。")
FAIR_DATES = gettext_noop("结束日期不能早于开始日期。")
FAIR_ENDED = gettext_noop("这场招聘会已经结束。")
ORGANISER_ELSEWHERE = gettext_noop("主办单位须设在主办区域或其上级区域。")
ENTRY_EXISTS = gettext_noop("该企业已申报这场招聘会。")
ENTRY_VETTED = gettext_noop("这份申报已经审核过。")
REJECT_REASON_REQUIRED = gettext_noop("不予通过须写明原因。")
ENTRY_NOT_APPROVED = gettext_noop("企业参会申报通过审核后才能发布岗位。")
POSITION_TITLE_REQUIRED = gettext_noop("请填写岗位名称。")
HEADCOUNT_INVALID = gettext_noop("招聘人数应为 1 到 {limit} 的整数。")
SALARY_INVALID = gettext_noop("月薪应为 {low} 到 {high} 元之间的整数。")
SALARY_RANGE = gettext_noop("月薪上限不能低于下限。")
PLACE_REQUIRED = gettext_noop("请填写工作地点。")

APPLICANT_NAME = gettext_noop("请填写真实姓名（2到30个字，不含数字和符号）。")
APPLICANT_AGE = gettext_noop("年龄应为 {low} 到 {high} 岁。")
POSITION_CLOSED = gettext_noop("这个岗位已停止招聘。")
APPLICATION_STATUS_INVALID = gettext_noop("请选择处理状态。")

# Project choices: sane bounds for what a county fair posts and who applies.
MAX_HEADCOUNT = 1000
SALARY_LOW, SALARY_HIGH = 500, 100_000
AGE_LOW, AGE_HIGH = 16, 70
NAME_PATTERN = re.compile(r"^[\u4e00-\u9fffA-Za-z·•．. ]{2,30}$")


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _covers(department: Department | None, region: Region) -> bool:
    return department is None or region.code.startswith(department.region.code)


# --- enterprises ----------------------------------------------------------------------------


@transaction.atomic
def enterprise_create(
    *,
    actor,
    region: Region,
    name: str,
    credit_code: str,
    industry: str,
    size: str,
    contact_name: str,
    contact_phone: str = "",
    employees: int = 0,
    work_group: Department | None = None,
) -> Enterprise:
    """Register an enterprise with its unified social credit code (checked, unique)."""
    name, contact_name = clean_text(name), clean_text(contact_name)
    errors = FieldErrors()
    if not name:
        errors.add("name", _(NAME_REQUIRED))
    code = ""
    try:
        code = parse_credit_code(credit_code)
    except InvalidCreditCode as error:
        errors.add("credit_code", str(error))
    else:
        existing = Enterprise.objects.filter(credit_code=code).first()
        if existing is not None:
            errors.add("credit_code", _(CODE_TAKEN).format(name=existing.name))
    if len(region.code) < 6:
        errors.add("region", _(REGION_TOO_HIGH))
    if industry not in Enterprise.Industry.values:
        errors.add("industry", _(INDUSTRY_INVALID))
    if size not in Enterprise.Size.values:
        errors.add("size", _(SIZE_INVALID))
    if not _count(employees):
        errors.add("employees", _(EMPLOYEES_INVALID))
    if not contact_name:
        errors.add("contact_name", _(CONTACT_REQUIRED))
    phone = ""
    if clean_text(contact_phone):
        try:
            phone = parse_phone(contact_phone)
        except ValueError as error:
            errors.add("contact_phone", str(error))
    if not _covers(work_group, region):
        errors.add("work_group", _(WORK_GROUP_ELSEWHERE))
    errors.raise_any()
    enterprise = Enterprise.objects.create(
        name=name,
        credit_code=code,
        region=region,
        industry=industry,
        size=size,
        employees=employees,
        contact_name=contact_name,
        contact_phone=encrypt(phone),
        contact_phone_masked=mask_phone(phone),
        work_group=work_group,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"企业 {enterprise.pk} {name}",
        region_code=region.code,
        detail={"credit_code": code},
    )
    return enterprise


@transaction.atomic
def enterprise_assign(
    *, actor, enterprise: Enterprise, work_group: Department | None
) -> Enterprise:
    """Assign the enterprise to a work group (对口服务), or clear the assignment."""
    enterprise = Enterprise.objects.select_for_update(of=("self",)).get(pk=enterprise.pk)
    if not _covers(work_group, enterprise.region):
        raise ValidationError({"work_group": [_(WORK_GROUP_ELSEWHERE)]})
    before = enterprise.work_group_id
    enterprise.work_group = work_group
    enterprise.save(update_fields=["work_group", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"企业 {enterprise.pk} 对口工作组",
        region_code=enterprise.region.code,
        detail={"old": before, "new": work_group.pk if work_group else None},
    )
    return enterprise


@transaction.atomic
def visit_record(
    *,
    actor,
    enterprise: Enterprise,
    visited_on: dt.date,
    visitors: str,
    notes: str = "",
    work_group: Department | None = None,
) -> Visit:
    """Record a visit to an enterprise; the work group defaults to the enterprise's own."""
    visitors, notes = clean_text(visitors), clean_text(notes)
    errors = FieldErrors()
    if visited_on > timezone.localdate():
        errors.add("visited_on", _(VISIT_IN_FUTURE))
    if not visitors:
        errors.add("visitors", _(VISITORS_REQUIRED))
    if not _covers(work_group, enterprise.region):
        errors.add("work_group", _(WORK_GROUP_ELSEWHERE))
    errors.raise_any()
    visit = Visit.objects.create(
        enterprise=enterprise,
        visited_on=visited_on,
        visitors=visitors[:200],
        notes=notes[:2000],
        work_group=work_group or enterprise.work_group,
        recorded_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"入企走访 {visit.pk} {enterprise.name}",
        region_code=enterprise.region.code,
    )
    return visit


@transaction.atomic
def problem_raise(
    *,
    actor,
    enterprise: Enterprise,
    category: str,
    description: str,
    raised_on: dt.date,
    visit: Visit | None = None,
) -> Problem:
    description = clean_text(description)
    errors = FieldErrors()
    if category not in Problem.Category.values:
        errors.add("category", _(CATEGORY_INVALID))
    if not description:
        errors.add("description", _(DESCRIPTION_REQUIRED))
    if raised_on > timezone.localdate():
        errors.add("raised_on", _(RAISED_IN_FUTURE))
    if visit is not None and visit.enterprise_id != enterprise.pk:
        errors.add("visit", _(VISIT_OTHER_ENTERPRISE))
    errors.raise_any()
    problem = Problem.objects.create(
        enterprise=enterprise,
        visit=visit,
        category=category,
        description=description[:500],
        raised_on=raised_on,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"企业问题 {problem.pk} {enterprise.name}",
        region_code=enterprise.region.code,
        detail={"category": category},
    )
    return problem


@transaction.atomic
def problem_solve(
    *, actor, problem: Problem, resolution: str, solved_on: dt.date | None = None
) -> Problem:
    """Close a problem with how it was solved (破解企业发展难题)."""
    solved_on = solved_on or timezone.localdate()
    problem = (
        Problem.objects.select_for_update(of=("self",))
        .select_related("enterprise__region")
        .get(pk=problem.pk)
    )
    resolution = clean_text(resolution)
    errors = FieldErrors()
    if problem.status == Problem.Status.SOLVED:
        errors.add("resolution", _(PROBLEM_SOLVED))
    if not resolution:
        errors.add("resolution", _(RESOLUTION_REQUIRED))
    if not problem.raised_on <= solved_on <= timezone.localdate():
        errors.add("solved_on", _(SOLVED_DATE))
    errors.raise_any()
    problem.status = Problem.Status.SOLVED
    problem.resolution = resolution[:500]
    problem.solved_on = solved_on
    problem.solved_by = actor
    problem.save(update_fields=["status", "resolution", "solved_on", "solved_by", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"企业问题 {problem.pk} 已解决",
        region_code=problem.enterprise.region.code,
    )
    return problem


@transaction.atomic
def resumption_report(
    *,
    actor,
    enterprise: Enterprise,
    status: str,
    reported_on: dt.date,
    workers_back: int,
    note: str = "",
) -> ResumptionReport:
    """Record where an enterprise stands on resuming work; the latest report by date is the
    enterprise's current status."""
    enterprise = Enterprise.objects.select_for_update(of=("self",)).get(pk=enterprise.pk)
    errors = FieldErrors()
    if status not in Enterprise.Resumption.values:
        errors.add("status", _(STATUS_INVALID))
    if reported_on > timezone.localdate():
        errors.add("reported_on", _(REPORTED_IN_FUTURE))
    if not _count(workers_back):
        errors.add("workers_back", _(WORKERS_INVALID))
    elif enterprise.employees and workers_back > enterprise.employees:
        errors.add("workers_back", _(WORKERS_TOO_MANY).format(employees=enterprise.employees))
    elif status == Enterprise.Resumption.STOPPED and workers_back:
        errors.add("workers_back", _(STOPPED_WITH_WORKERS))
    errors.raise_any()
    report = ResumptionReport.objects.create(
        enterprise=enterprise,
        status=status,
        reported_on=reported_on,
        workers_back=workers_back,
        note=clean_text(note)[:200],
        reported_by=actor,
    )
    if enterprise.resumption_since is None or reported_on >= enterprise.resumption_since:
        enterprise.resumption = status
        enterprise.resumption_since = reported_on
        enterprise.workers_back = workers_back
        enterprise.save(
            update_fields=["resumption", "resumption_since", "workers_back", "updated_at"]
        )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"企业 {enterprise.pk} 复工情况",
        region_code=enterprise.region.code,
        detail={"status": status, "workers_back": workers_back},
    )
    return report


# --- the online job fair --------------------------------------------------------------------


@transaction.atomic
def fair_create(
    *,
    actor,
    region: Region,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    description: str = "",
    organiser: Department | None = None,
    publish: bool = False,
) -> JobFair:
    title = clean_text(title)
    errors = FieldErrors()
    if not title:
        errors.add("title", _(FAIR_TITLE_REQUIRED))
    if ends_on < starts_on:
        errors.add("ends_on", _(FAIR_DATES))
    if not _covers(organiser, region):
        errors.add("organiser", _(ORGANISER_ELSEWHERE))
    errors.raise_any()
    fair = JobFair.objects.create(
        region=region,
        organiser=organiser,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        description=clean_text(description)[:2000],
        is_published=publish,
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"网络招聘会 {fair.pk} {title}",
        region_code=region.code,
    )
    return fair


@transaction.atomic
def fair_publish(*, actor, fair: JobFair, published: bool) -> JobFair:
    fair.is_published = published
    fair.save(update_fields=["is_published", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"网络招聘会 {fair.pk} {'发布' if published else '撤回'}",
        region_code=fair.region.code,
    )
    return fair


@transaction.atomic
def entry_apply(*, actor, fair: JobFair, enterprise: Enterprise) -> FairEntry:
    """An enterprise applies to join a fair (申报); the organisers vet it."""
    errors = FieldErrors()
    if fair.ends_on < timezone.localdate():
        errors.add("fair", _(FAIR_ENDED))
    if FairEntry.objects.filter(fair=fair, enterprise=enterprise).exists():
        errors.add("enterprise", _(ENTRY_EXISTS))
    errors.raise_any()
    try:
        with transaction.atomic():
            entry = FairEntry.objects.create(fair=fair, enterprise=enterprise, applied_by=actor)
    except IntegrityError:  # a second click at the same moment
        raise ValidationError({"enterprise": [_(ENTRY_EXISTS)]}) from None
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"参会申报 {entry.pk} {enterprise.name}",
        region_code=enterprise.region.code,
        detail={"fair": fair.pk},
    )
    return entry


@transaction.atomic
def entry_vet(*, actor, entry: FairEntry, approve: bool, reason: str = "") -> FairEntry:
    entry = (
        FairEntry.objects.select_for_update(of=("self",))
        .select_related("enterprise__region")
        .get(pk=entry.pk)
    )
    reason = clean_text(reason)
    errors = FieldErrors()
    if entry.status != FairEntry.Status.PENDING:
        errors.add("__all__", _(ENTRY_VETTED))
    if not approve and not reason:
        errors.add("reason", _(REJECT_REASON_REQUIRED))
    errors.raise_any()
    entry.status = FairEntry.Status.APPROVED if approve else FairEntry.Status.REJECTED
    entry.reject_reason = "" if approve else reason[:200]
    entry.vetted_by = actor
    entry.vetted_at = timezone.now()
    entry.save(update_fields=["status", "reject_reason", "vetted_by", "vetted_at", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"参会申报 {entry.pk} {entry.get_status_display()}",
        region_code=entry.enterprise.region.code,
    )
    return entry


def position_validate(
    *, title: str, headcount: object, salary_min: object, salary_max: object, place: str
) -> None:
    errors = FieldErrors()
    if not title:
        errors.add("title", _(POSITION_TITLE_REQUIRED))
    if not _count(headcount) or not 1 <= headcount <= MAX_HEADCOUNT:
        errors.add("headcount", _(HEADCOUNT_INVALID).format(limit=MAX_HEADCOUNT))
    salaries_ok = True
    for field, value in (("salary_min", salary_min), ("salary_max", salary_max)):
        if not _count(value) or not SALARY_LOW <= value <= SALARY_HIGH:
            errors.add(field, _(SALARY_INVALID).format(low=SALARY_LOW, high=SALARY_HIGH))
            salaries_ok = False
    if salaries_ok and salary_max < salary_min:
        errors.add("salary_max", _(SALARY_RANGE))
    if not place:
        errors.add("place", _(PLACE_REQUIRED))
    errors.raise_any()


@transaction.atomic
def position_add(
    *,
    actor,
    entry: FairEntry,
    title: str,
    headcount: int,
    salary_min: int,
    salary_max: int,
    place: str,
    requirements: str = "",
) -> Position:
    title, place, requirements = clean_text(title), clean_text(place), clean_text(requirements)
    if entry.status != FairEntry.Status.APPROVED:
        raise ValidationError({"__all__": [_(ENTRY_NOT_APPROVED)]})
    position_validate(
        title=title,
        headcount=headcount,
        salary_min=salary_min,
        salary_max=salary_max,
        place=place,
    )
    position = Position.objects.create(
        entry=entry,
        title=title[:100],
        headcount=headcount,
        salary_min=salary_min,
        salary_max=salary_max,
        place=place[:100],
        requirements=requirements[:500],
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"岗位 {position.pk} {title}",
        region_code=entry.enterprise.region.code,
    )
    return position


@transaction.atomic
def position_close(*, actor, position: Position) -> Position:
    position.is_open = False
    position.save(update_fields=["is_open", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"岗位 {position.pk} 停止招聘",
        region_code=position.entry.enterprise.region.code,
    )
    return position


def position_is_public(position: Position, today: dt.date | None = None) -> bool:
    """Open to job-seekers: an open position of an approved entry in a published fair that
    has not ended."""
    today = today or timezone.localdate()
    fair = position.entry.fair
    return (
        position.is_open
        and position.entry.status == FairEntry.Status.APPROVED
        and fair.is_published
        and fair.starts_on <= today <= fair.ends_on
    )


@transaction.atomic
def application_submit(
    *,
    position: Position,
    name: str,
    phone: str,
    age: int | None = None,
    experience: str = "",
    request=None,
) -> tuple[Application, bool]:
    """A job-seeker applies (public page). The same phone applying to the same position again
    updates the first application and counts the submission. Returns (application, created)."""
    name, experience = clean_text(name), clean_text(experience)
    errors = FieldErrors()
    if not position_is_public(position):
        errors.add("__all__", _(POSITION_CLOSED))
    if not NAME_PATTERN.match(name):
        errors.add("name", _(APPLICANT_NAME))
    number = ""
    try:
        number = parse_phone(phone)
    except ValueError as error:
        errors.add("phone", str(error))
    if age is not None and not (_count(age) and AGE_LOW <= age <= AGE_HIGH):
        errors.add("age", _(APPLICANT_AGE).format(low=AGE_LOW, high=AGE_HIGH))
    errors.raise_any()
    index = blind_index(number)
    now = timezone.now()
    existing = (
        Application.objects.select_for_update().filter(position=position, phone_index=index).first()
    )
    created = existing is None
    if created:
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    position=position,
                    name=name,
                    phone=encrypt(number),
                    phone_index=index,
                    phone_masked=mask_phone(number),
                    age=age,
                    experience=experience[:300],
                    last_submitted_at=now,
                )
        except IntegrityError:  # the same phone submitted twice at the same moment
            created = False
            existing = Application.objects.select_for_update().get(
                position=position, phone_index=index
            )
    if not created:
        Application.objects.filter(pk=existing.pk).update(
            name=name,
            age=age if age is not None else existing.age,
            experience=experience[:300] or existing.experience,
            submissions=F("submissions") + 1,
            last_submitted_at=now,
            updated_at=now,
        )
        application = Application.objects.get(pk=existing.pk)
    audit_record(
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        actor_name="求职者（公开页面）",
        target=f"求职申请 {application.pk} 岗位{position.pk}",
        region_code=position.entry.enterprise.region.code,
        request=request,
        detail={"merged": not created},
    )
    return application, created


def submission_block(*, fair: JobFair, reason: str) -> BlockedSubmission:
    return BlockedSubmission.objects.create(fair=fair, reason=reason)


@transaction.atomic
def application_set_status(*, actor, application: Application, status: str) -> Application:
    if status not in Application.Status.values:
        raise ValidationError({"status": [_(APPLICATION_STATUS_INVALID)]})
    application.status = status
    application.save(update_fields=["status", "updated_at"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"求职申请 {application.pk} {application.get_status_display()}",
        region_code=application.position.entry.enterprise.region.code,
    )
    return application


def application_reveal_phone(*, actor, application: Application, request=None) -> str:
    """The applicant's full number for a role allowed to see it; every reveal is audited."""
    audit_record(
        action=AuditEvent.Action.READ,
        actor=actor,
        target=f"求职申请 {application.pk} 完整手机号",
        region_code=application.position.entry.enterprise.region.code,
        request=request,
    )
    return decrypt(application.phone)
