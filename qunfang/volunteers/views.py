"""Youth League pages. Managing needs MANAGE_VOLUNTEERS at the region on screen (or at the
region of the row acted on); objects are fetched through org.access, so a row outside the scope
is a 404. Two kinds of page face others: the public sign-up (anyone, rate-limited) and "my
shifts" (a volunteer with a login checks in and out; a team leader does it for the team)."""

import io
from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core.audit import audit_record
from qunfang.core.errors import attach_errors, flash_errors
from qunfang.core.formfields import parse_id, query_text
from qunfang.core.models import AuditEvent
from qunfang.core.public import public
from qunfang.core.ratelimit import Limit, hit
from qunfang.core.redirects import back_to
from qunfang.core.spreadsheets import write_csv, write_xlsx
from qunfang.org.access import access_object, can, scope_for
from qunfang.org.current import current_region_with
from qunfang.org.models import Region
from qunfang.org.roles import Capability, Level
from qunfang.volunteers import exports, selectors, services, stats
from qunfang.volunteers.forms import (
    AssignForm,
    CampaignForm,
    EnterpriseForm,
    FamilyForm,
    LeaderForm,
    MatchForm,
    NeedDoneForm,
    NeedForm,
    RoundDoneForm,
    RoundScheduleForm,
    ShiftForm,
    SignUpForm,
    TeamForm,
    VetForm,
    VolunteerForm,
    WindowForm,
)
from qunfang.volunteers.models import (
    Assignment,
    Campaign,
    CaringEnterprise,
    DisinfectionRound,
    HelpNeed,
    MedicFamily,
    Shift,
    SignUp,
    Team,
    Volunteer,
)

PAGE_SIZE = 50
# Project choice: one phone may sign up a household (several people) but not flood the page.
SIGNUP_LIMIT = Limit("volunteer-signup", 10, 600)
EXPORT_LIMIT = Limit("volunteer-export", 30, 3600)
MANAGE = Capability.MANAGE_VOLUNTEERS


def _region(request: HttpRequest) -> Region:
    return current_region_with(request, MANAGE)


def _require(user, region: Region) -> None:
    if not can(user, MANAGE, region.code):
        raise PermissionDenied


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form: Form, *, title: str, back: str, status: int = 200) -> HttpResponse:
    return render(
        request, "volunteers/form.html", {"form": form, "title": title, "back": back}, status=status
    )


def _scoped_region(user, code: str) -> Region:
    """A region picked on a form: in scope or 404; managing it needs the capability there."""
    region = access_object(Region.objects.all(), user, code=str(code or "")[:15])
    _require(user, region)
    return region


def _region_options(rows) -> list[tuple[str, str]]:
    return [(region.code, region.display_name) for region in rows]


def _back(request: HttpRequest, default: str) -> HttpResponse:
    return back_to(request, request.POST.get("next", ""), default)


# --- overview -------------------------------------------------------------------------------


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    summary = stats.youth_summary(request.user, region, start, end)
    return render(
        request,
        "volunteers/overview.html",
        {"region": region, "summary": summary, "window": window},
    )


# --- the public sign-up ---------------------------------------------------------------------


def _signup_region_choices(campaign: Campaign) -> list:
    """Villages grouped under their town; a town itself is offered first in its group."""
    groups: dict[str, tuple[str, list]] = {}
    loose: list[tuple[str, str]] = []
    for region in services.signup_region_choices(campaign).select_related("parent"):
        if region.level == Level.TOWN:
            groups.setdefault(region.code, (region.display_name, []))[1].insert(
                0, (region.code, _("%(town)s（镇街）") % {"town": region.display_name})
            )
        elif region.parent is not None and region.parent.level == Level.TOWN:
            town = region.parent
            groups.setdefault(town.code, (town.display_name, []))[1].append(
                (region.code, region.display_name)
            )
        else:
            loose.append((region.code, region.display_name))
    return loose + [(label, options) for _code, (label, options) in sorted(groups.items())]


def _signup_data(post) -> services.SignUpData:
    def text(name: str, limit: int) -> str:
        return str(post.get(name, ""))[:limit]

    return services.SignUpData(
        name=text("name", 60),
        id_number=text("id_number", 40),
        phone=text("phone", 40),
        region_code=text("region", 15),
        skills=[str(v)[:20] for v in post.getlist("skills")[:20]],
        days=[str(v)[:2] for v in post.getlist("days")[:10]],
        slots=[str(v)[:20] for v in post.getlist("slots")[:10]],
        health_declared=bool(post.get("health_declared")),
        health_note=text("health_note", 200),
        consented=bool(post.get("consent")),
        consent_version=text("consent_version", 20),
    )


@public
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, token: str) -> HttpResponse:
    campaign = get_object_or_404(
        Campaign.objects.select_related("region", "consent"), token=token[:32]
    )
    choices = _signup_region_choices(campaign)
    context = {"campaign": campaign, "open": campaign.accepts_on(timezone.localdate())}
    if request.method == "GET":
        form = SignUpForm(
            region_choices=choices, initial={"consent_version": campaign.consent.version}
        )
        return render(request, "volunteers/signup.html", context | {"form": form})
    if not hit(request, SIGNUP_LIMIT):
        services.campaign_count(campaign, "rate_limited")
        return render(request, "volunteers/signup_limited.html", context, status=429)
    if request.POST.get("website"):
        # A bot filled the hidden field: count it and answer as if all went well.
        services.campaign_count(campaign, "submitted")
        services.campaign_count(campaign, "rejected")
        return redirect("volunteers:signup_done", token=campaign.token)
    form = SignUpForm(request.POST, region_choices=choices)
    form.is_valid()
    form.errors.clear()  # the service alone judges the input and words the messages
    try:
        outcome = services.signup_submit(
            campaign=campaign, data=_signup_data(request.POST), request=request
        )
    except ValidationError as error:
        attach_errors(form, error)
        return render(request, "volunteers/signup.html", context | {"form": form}, status=400)
    done = reverse("volunteers:signup_done", kwargs={"token": campaign.token})
    return redirect(done + ("?merged=1" if outcome.merged else ""))


@public
@require_GET
def signup_done(request: HttpRequest, token: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, token=token[:32])
    return render(
        request,
        "volunteers/signup_done.html",
        {"campaign": campaign, "merged": request.GET.get("merged") == "1"},
    )


# --- campaigns and vetting ------------------------------------------------------------------


@require_GET
@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    campaigns = selectors.campaign_list(request.user, region=region)
    return render(
        request,
        "volunteers/campaign_list.html",
        {"region": region, "page": _page(request, campaigns)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    title = _("发布招募令")
    if request.method == "GET":
        today = timezone.localdate()
        form = CampaignForm(initial={"starts_on": today, "ends_on": today})
        return _form_page(request, form, title=title, back="volunteers:campaigns")
    form = CampaignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user, region=region, request=request, **data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("招募令已发布，可打印二维码张贴。"))
            return redirect("volunteers:campaign", pk=campaign.pk)
    return _form_page(request, form, title=title, back="volunteers:campaigns")


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign = access_object(
        Campaign.objects.select_related("region", "consent"), request.user, pk=pk
    )
    _require(request.user, campaign.region)
    return campaign


def _signup_url(request: HttpRequest, campaign: Campaign) -> str:
    return request.build_absolute_uri(
        reverse("volunteers:signup", kwargs={"token": campaign.token})
    )


@require_GET
@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    signups = selectors.signup_list(request.user, campaign=campaign)
    return render(
        request,
        "volunteers/campaign_detail.html",
        {
            "campaign": campaign,
            "signup_url": _signup_url(request, campaign),
            "page": _page(request, signups),
            "open": campaign.accepts_on(timezone.localdate()),
        },
    )


@require_GET
@login_required
def campaign_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-up URL as an SVG QR code, made here (no outside service)."""
    campaign = _campaign(request, pk)
    buffer = io.BytesIO()
    segno.make(_signup_url(request, campaign), error="m").save(
        buffer, kind="svg", scale=8, border=2, xmldecl=False, title=campaign.title
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    if request.GET.get("download") == "1":
        response["Content-Disposition"] = _attachment(f"{campaign.title}-报名二维码.svg")
    return response


@require_GET
@login_required
def campaign_poster(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(
        request,
        "volunteers/campaign_poster.html",
        {"campaign": campaign, "signup_url": _signup_url(request, campaign)},
    )


@require_POST
@login_required
def campaign_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    services.campaign_set_open(
        actor=request.user, campaign=campaign, is_open=not campaign.is_open, request=request
    )
    messages.success(request, _("已开放报名。") if campaign.is_open else _("已停止报名。"))
    return redirect("volunteers:campaign", pk=campaign.pk)


@require_GET
@login_required
def signup_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    status = request.GET.get("status", SignUp.Status.PENDING)
    if status not in SignUp.Status.values:
        status = ""
    signups = selectors.signup_list(request.user, region=region, status=status)
    return render(
        request,
        "volunteers/signup_list.html",
        {
            "region": region,
            "page": _page(request, signups),
            "status": status,
            "statuses": SignUp.Status.choices,
        },
    )


@require_POST
@login_required
def signup_vet(request: HttpRequest, pk: int) -> HttpResponse:
    signup = access_object(SignUp.objects.select_related("region"), request.user, pk=pk)
    _require(request.user, signup.region)
    form = VetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择通过或不通过。"))
        return _back(request, "volunteers:signups")
    try:
        if form.cleaned_data["decision"] == "approve":
            services.signup_approve(actor=request.user, signup=signup, request=request)
            messages.success(request, _("%(name)s已通过审核，成为志愿者。") % {"name": signup.name})
        else:
            services.signup_reject(
                actor=request.user,
                signup=signup,
                reason=form.cleaned_data["reason"],
                request=request,
            )
            messages.success(request, _("%(name)s的报名未通过。") % {"name": signup.name})
    except ValidationError as error:
        flash_errors(request, error)
    return _back(request, "volunteers:signups")


# --- volunteers and teams -------------------------------------------------------------------


@require_GET
@login_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    team = None
    team_pk = parse_id(request.GET.get("team"))
    if team_pk is not None:
        team = access_object(Team.objects.all(), request.user, pk=team_pk)
    core_only = request.GET.get("core") == "1"
    name = query_text(request.GET.get("name"), 30)
    volunteers = selectors.volunteer_list(
        request.user, region=region, team=team, core_only=core_only, name=name
    )
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "region": region,
            "page": _page(request, volunteers),
            "team": team,
            "core_only": core_only,
            "name": name,
            "can_reveal": can(request.user, Capability.VIEW_SENSITIVE, region.code),
        },
    )


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


@require_GET
@login_required
def volunteer_export(request: HttpRequest, fmt: str) -> HttpResponse:
    region = _region(request)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    reveal = request.GET.get("reveal") == "1"
    if reveal and not can(request.user, Capability.VIEW_SENSITIVE, region.code):
        raise PermissionDenied
    if not hit(request, EXPORT_LIMIT):
        return HttpResponse(_("导出过于频繁，请稍后再试。"), status=429)
    headers = exports.volunteer_headers()
    rows = exports.volunteer_rows(request.user, region, reveal=reveal)
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"志愿者名册 {'完整' if reveal else '脱敏'} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"rows": len(rows), "reveal": reveal, "format": fmt},
    )
    filename = f"志愿者名册-{region.display_name}-{now:%Y%m%d}.{fmt}"
    if fmt == "csv":
        body, content_type = write_csv(headers, rows, watermark=watermark), "text/csv"
    else:
        body = write_xlsx(
            headers, rows, title="志愿者名册", watermark=watermark, text_columns=[2, 3]
        )
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = _attachment(filename)
    return response


def _volunteer(request: HttpRequest, pk: int) -> Volunteer:
    volunteer = access_object(
        Volunteer.objects.select_related("region", "grid", "team", "user"), request.user, pk=pk
    )
    _require(request.user, volunteer.region)
    return volunteer


def _volunteer_options(request: HttpRequest, volunteer: Volunteer) -> dict:
    return {
        "team": [(t.pk, t.name) for t in selectors.team_choices(request.user, volunteer=volunteer)],
        "grid": [
            (g.pk, g.display_name)
            for g in selectors.grid_choices(request.user, volunteer=volunteer)
        ],
    }


@require_http_methods(["GET", "POST"])
@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = _volunteer(request, pk)
    options = _volunteer_options(request, volunteer)
    revealed = None
    if request.method == "POST" and request.POST.get("action") == "reveal":
        if not can(request.user, Capability.VIEW_SENSITIVE, volunteer.region.code):
            raise PermissionDenied
        revealed = services.volunteer_reveal(
            actor=request.user, volunteer=volunteer, request=request
        )
        form = VolunteerForm(options=options, initial=_volunteer_initial(volunteer))
    elif request.method == "POST":
        form = VolunteerForm(request.POST, options=options)
        if form.is_valid():
            data = form.cleaned_data
            team = grid = user = None
            if data["team"]:
                team = access_object(
                    Team.objects.select_related("region"), request.user, pk=data["team"]
                )
            if data["grid"]:
                grid = access_object(Region.objects.all(), request.user, pk=data["grid"])
            username = data["username"].strip()
            if username:
                user = _user_in_scope(request.user, username)
                if user is None:
                    form.add_error("username", _("没有这个账号，或该账号不在您的管辖范围内。"))
            if not form.errors:
                try:
                    services.volunteer_update(
                        actor=request.user,
                        volunteer=volunteer,
                        team=team,
                        is_core=data["is_core"],
                        grid=grid,
                        status=data["status"],
                        user=user,
                        request=request,
                    )
                except ValidationError as error:
                    attach_errors(form, error)
                else:
                    messages.success(request, _("已保存。"))
                    return redirect("volunteers:volunteer", pk=volunteer.pk)
    else:
        form = VolunteerForm(options=options, initial=_volunteer_initial(volunteer))
    assignments = volunteer.assignments.select_related("shift", "shift__region").order_by(
        "-starts_at"
    )[:20]
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "volunteer": volunteer,
            "form": form,
            "revealed": revealed,
            "assignments": assignments,
            "can_reveal": can(request.user, Capability.VIEW_SENSITIVE, volunteer.region.code),
        },
    )


def _volunteer_initial(volunteer: Volunteer) -> dict:
    return {
        "team": volunteer.team_id,
        "is_core": volunteer.is_core,
        "grid": volunteer.grid_id,
        "status": volunteer.status,
        "username": volunteer.user.get_username() if volunteer.user else "",
    }


def _user_in_scope(actor, username: str):
    """A login to link: an active user with a membership inside the actor's scope."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        return None
    scope = scope_for(actor)
    codes = user.memberships.filter(is_active=True).values_list("region__code", flat=True)
    return user if any(scope.covers(code) for code in codes) else None


@require_http_methods(["GET", "POST"])
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    options = {
        "region": _region_options(selectors.shift_region_choices(request.user, region=region))
    }
    form = TeamForm(options=options, initial={"region": region.code})
    if request.method == "POST":
        form = TeamForm(request.POST, options=options)
        if form.is_valid():
            data = form.cleaned_data
            team_region = _scoped_region(request.user, data["region"])
            try:
                team = services.team_create(
                    actor=request.user,
                    region=team_region,
                    name=data["name"],
                    kind=data["kind"],
                    request=request,
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已组建小分队“%(name)s”。") % {"name": team.name})
                return redirect("volunteers:team", pk=team.pk)
    teams = selectors.team_list(request.user, region=region)
    return render(
        request,
        "volunteers/team_list.html",
        {"region": region, "teams": teams, "form": form},
    )


@require_http_methods(["GET", "POST"])
@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = access_object(Team.objects.select_related("region", "leader"), request.user, pk=pk)
    _require(request.user, team.region)
    members = selectors.volunteer_list(request.user, team=team)
    options = {"leader": [(v.pk, v.name) for v in members]}
    form = LeaderForm(options=options, initial={"leader": team.leader_id})
    if request.method == "POST":
        form = LeaderForm(request.POST, options=options)
        if form.is_valid():
            leader = None
            if form.cleaned_data["leader"]:
                leader = access_object(
                    Volunteer.objects.all(), request.user, pk=form.cleaned_data["leader"]
                )
            try:
                services.team_set_leader(
                    actor=request.user, team=team, leader=leader, request=request
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已设置队长。"))
                return redirect("volunteers:team", pk=team.pk)
    return render(
        request,
        "volunteers/team_detail.html",
        {"team": team, "members": members, "form": form},
    )


# --- shifts ---------------------------------------------------------------------------------


@require_GET
@login_required
def shift_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    if start is None and end is None:
        start = timezone.localdate()
    shifts = selectors.shift_list(request.user, region=region, start=start, end=end)
    return render(
        request,
        "volunteers/shift_list.html",
        {"region": region, "page": _page(request, shifts), "window": window, "start": start},
    )


@require_http_methods(["GET", "POST"])
@login_required
def shift_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    options = {
        "region": _region_options(selectors.shift_region_choices(request.user, region=region))
    }
    title = _("新建值守班次")
    if request.method == "GET":
        form = ShiftForm(options=options, initial={"region": region.code, "needed": 2})
        return _form_page(request, form, title=title, back="volunteers:shifts")
    form = ShiftForm(request.POST, options=options)
    if form.is_valid():
        data = form.cleaned_data
        shift_region = _scoped_region(request.user, data["region"])
        try:
            shift = services.shift_create(
                actor=request.user,
                region=shift_region,
                category=data["category"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                needed=data["needed"],
                skills=data["skills"],
                note=data["note"],
                request=request,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("班次已建立，请安排志愿者。"))
            return redirect("volunteers:shift", pk=shift.pk)
    return _form_page(request, form, title=title, back="volunteers:shifts")


def _shift(request: HttpRequest, pk: int) -> Shift:
    shift = access_object(Shift.objects.select_related("region"), request.user, pk=pk)
    _require(request.user, shift.region)
    return shift


@require_GET
@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk)
    assignments = list(selectors.shift_assignments(shift))
    suggestions = selectors.shift_suggestions(request.user, shift)
    taken = {a.volunteer_id for a in assignments}
    options = {
        "volunteer": [
            (v.pk, f"{v.name} · {v.region.display_name}")
            for v in selectors.volunteer_choices(request.user, region=shift.region)
            if v.pk not in taken
        ]
    }
    return render(
        request,
        "volunteers/shift_detail.html",
        {
            "shift": shift,
            "assignments": assignments,
            "suggestions": suggestions,
            "form": AssignForm(options=options),
            "full": len(assignments) >= shift.needed,
        },
    )


@require_POST
@login_required
def shift_assign(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择志愿者。"))
        return redirect("volunteers:shift", pk=shift.pk)
    volunteer = access_object(
        Volunteer.objects.select_related("region"), request.user, pk=form.cleaned_data["volunteer"]
    )
    try:
        services.shift_assign(actor=request.user, shift=shift, volunteer=volunteer, request=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已安排%(name)s。") % {"name": volunteer.name})
    return redirect("volunteers:shift", pk=shift.pk)


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    """An assignment the user may check in or out: their own, a member of a team they lead,
    or one on a shift they manage. Anything else is the same 404 as a missing one."""
    assignment = (
        Assignment.objects.select_related(
            "shift", "shift__region", "volunteer", "volunteer__team__leader"
        )
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise Http404
    user = request.user
    volunteer = assignment.volunteer
    if volunteer.user_id == user.pk:
        return assignment
    team = volunteer.team
    if team is not None and team.leader is not None and team.leader.user_id == user.pk:
        return assignment
    code = assignment.shift.region.code
    if scope_for(user).covers(code) and can(user, MANAGE, code):
        return assignment
    raise Http404


@require_POST
@login_required
def assignment_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        services.assignment_check_in(actor=request.user, assignment=assignment, request=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("%(name)s已签到。") % {"name": assignment.volunteer.name})
    return _back(request, "volunteers:my_shifts")


@require_POST
@login_required
def assignment_check_out(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    try:
        done = services.assignment_check_out(
            actor=request.user, assignment=assignment, request=request
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(
            request,
            _("%(name)s已签退，本次服务%(hours)s小时。")
            % {"name": assignment.volunteer.name, "hours": done.hours},
        )
    return _back(request, "volunteers:my_shifts")


@require_POST
@login_required
def assignment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = access_object(
        Assignment.objects.select_related("shift", "shift__region", "volunteer"),
        request.user,
        pk=pk,
    )
    _require(request.user, assignment.shift.region)
    try:
        services.assignment_cancel(actor=request.user, assignment=assignment, request=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已取消安排。"))
    return redirect("volunteers:shift", pk=assignment.shift_id)


@require_GET
@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    volunteer = Volunteer.objects.filter(user=request.user).first()
    return render(
        request,
        "volunteers/my_shifts.html",
        {
            "volunteer": volunteer,
            "mine": selectors.my_assignments(request.user),
            "led": selectors.led_assignments(request.user),
            "now": timezone.now(),
        },
    )


# --- disinfection ---------------------------------------------------------------------------


@require_GET
@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    overdue_only = request.GET.get("show") == "overdue"
    rounds = selectors.round_list(request.user, region=region, overdue_only=overdue_only)
    return render(
        request,
        "volunteers/round_list.html",
        {
            "region": region,
            "page": _page(request, rounds),
            "overdue_only": overdue_only,
            "today": timezone.localdate(),
            "helpers": selectors.volunteer_choices(request.user, region=region)[:300],
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def round_schedule(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    options = {
        "region": _region_options(selectors.shift_region_choices(request.user, region=region)),
        "squad": [(t.pk, t.name) for t in selectors.squad_choices(request.user, region=region)],
    }
    title = _("安排消杀任务")
    if request.method == "GET":
        form = RoundScheduleForm(
            options=options, initial={"region": region.code, "start": timezone.localdate()}
        )
        return _form_page(request, form, title=title, back="volunteers:rounds")
    form = RoundScheduleForm(request.POST, options=options)
    if form.is_valid():
        data = form.cleaned_data
        round_region = _scoped_region(request.user, data["region"])
        squad = access_object(Team.objects.select_related("region"), request.user, pk=data["squad"])
        try:
            result = services.rounds_schedule(
                actor=request.user,
                region=round_region,
                squad=squad,
                places=data["places"].splitlines(),
                start=data["start"],
                days=data["days"],
                equipment=data["equipment"],
                note=data["note"],
                request=request,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(
                request,
                _("已安排消杀任务%(n)s个（已有安排的%(skipped)s个未重复）。")
                % {"n": len(result.created), "skipped": result.skipped},
            )
            return redirect("volunteers:rounds")
    return _form_page(request, form, title=title, back="volunteers:rounds")


def _round(request: HttpRequest, pk: int) -> DisinfectionRound:
    round = access_object(DisinfectionRound.objects.select_related("region"), request.user, pk=pk)
    _require(request.user, round.region)
    return round


@require_POST
@login_required
def round_done(request: HttpRequest, pk: int) -> HttpResponse:
    round = _round(request, pk)
    form = RoundDoneForm(request.POST)
    form.fields["volunteers"].choices = [(v, v) for v in request.POST.getlist("volunteers")]
    volunteers = []
    if form.is_valid():
        volunteers = [
            access_object(Volunteer.objects.select_related("region"), request.user, pk=v)
            for v in form.cleaned_data["volunteers"][:50]
        ]
    try:
        services.round_done(
            actor=request.user,
            round=round,
            volunteers=volunteers,
            note=form.cleaned_data.get("note", "") if form.is_valid() else "",
            request=request,
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已确认完成：%(place)s。") % {"place": round.place})
    return _back(request, "volunteers:rounds")


@require_POST
@login_required
def round_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    round = _round(request, pk)
    try:
        services.round_reopen(actor=request.user, round=round, request=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已撤销完成：%(place)s。") % {"place": round.place})
    return _back(request, "volunteers:rounds")


# --- Guardian-Angel help --------------------------------------------------------------------


@require_GET
@login_required
def angels(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    status = request.GET.get("status", "")
    if status not in HelpNeed.Status.values:
        status = ""
    return render(
        request,
        "volunteers/angels.html",
        {
            "region": region,
            "families": selectors.family_list(request.user, region=region),
            "needs": _page(
                request, selectors.need_list(request.user, region=region, status=status)
            ),
            "status": status,
            "statuses": HelpNeed.Status.choices,
            "helpers": selectors.volunteer_choices(request.user, region=region)[:300],
            "enterprises": selectors.enterprise_choices(request.user, region=region),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def family_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    options = {"region": _region_options(selectors.village_choices(request.user, region=region))}
    title = _("登记援鄂医护人员家庭")
    form = FamilyForm(request.POST or None, options=options)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        family_region = _scoped_region(request.user, data.pop("region"))
        try:
            services.family_register(
                actor=request.user, region=family_region, request=request, **data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记。"))
            return redirect("volunteers:angels")
    return _form_page(request, form, title=title, back="volunteers:angels")


@require_http_methods(["GET", "POST"])
@login_required
def need_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    options = {
        "family": [
            (f.pk, f"{f.medic_name}家 · {f.region.display_name}")
            for f in selectors.family_list(request.user, region=region)
        ]
    }
    title = _("登记帮扶需求")
    if request.method == "GET":
        form = NeedForm(options=options, initial={"requested_on": timezone.localdate()})
        return _form_page(request, form, title=title, back="volunteers:angels")
    form = NeedForm(request.POST, options=options)
    if form.is_valid():
        data = form.cleaned_data
        family = access_object(
            MedicFamily.objects.select_related("region"), request.user, pk=data["family"]
        )
        _require(request.user, family.region)
        try:
            services.need_create(
                actor=request.user,
                family=family,
                kind=data["kind"],
                description=data["description"],
                requested_on=data["requested_on"],
                request=request,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记需求，请对接志愿者或爱心企业。"))
            return redirect("volunteers:angels")
    return _form_page(request, form, title=title, back="volunteers:angels")


def _need(request: HttpRequest, pk: int) -> HelpNeed:
    need = access_object(HelpNeed.objects.select_related("region", "family"), request.user, pk=pk)
    _require(request.user, need.region)
    return need


@require_POST
@login_required
def need_match(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = MatchForm(request.POST)
    volunteer = enterprise = None
    if form.is_valid():
        if form.cleaned_data["volunteer"]:
            volunteer = access_object(
                Volunteer.objects.all(), request.user, pk=form.cleaned_data["volunteer"]
            )
        if form.cleaned_data["enterprise"]:
            enterprise = access_object(
                CaringEnterprise.objects.all(), request.user, pk=form.cleaned_data["enterprise"]
            )
    try:
        services.need_match(
            actor=request.user,
            need=need,
            volunteer=volunteer,
            enterprise=enterprise,
            request=request,
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已对接。"))
    return redirect("volunteers:angels")


@require_POST
@login_required
def need_done(request: HttpRequest, pk: int) -> HttpResponse:
    need = _need(request, pk)
    form = NeedDoneForm(request.POST)
    result = form.cleaned_data["result"] if form.is_valid() else ""
    try:
        services.need_done(actor=request.user, need=need, result=result, request=request)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("需求已完成。"))
    return redirect("volunteers:angels")


@require_http_methods(["GET", "POST"])
@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    form = EnterpriseForm(request.POST or None, initial={"joined_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_register(
                actor=request.user, region=region, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记爱心企业。"))
            return redirect("volunteers:enterprises")
    return render(
        request,
        "volunteers/enterprise_list.html",
        {
            "region": region,
            "enterprises": selectors.enterprise_list(request.user, region=region),
            "form": form,
        },
    )
