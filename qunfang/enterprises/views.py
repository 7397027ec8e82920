"""Enterprise-service and job-fair pages. Staff pages need MANAGE_ENTERPRISES at the region
concerned; objects are fetched through org.access, so a row outside the scope is a 404.

The job-seekers' pages (jobs_*) face anyone: marked @public, rate-limited, with a honeypot,
every input validated; an unknown, unpublished or closed fair or position is a 404.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core.audit import audit_record
from qunfang.core.errors import attach_errors, flash_errors
from qunfang.core.formfields import ID_MAX, query_text
from qunfang.core.models import AuditEvent
from qunfang.core.public import public
from qunfang.core.ratelimit import Limit, hit
from qunfang.core.spreadsheets import write_csv, write_xlsx
from qunfang.enterprises import exports, selectors, services, stats
from qunfang.enterprises.forms import (
    ApplicationStatusForm,
    ApplyForm,
    AssignForm,
    EnterpriseForm,
    EntryForm,
    FairForm,
    PositionForm,
    ProblemForm,
    ResumptionForm,
    SolveForm,
    VetForm,
    VisitForm,
    WindowForm,
)
from qunfang.enterprises.models import (
    Application,
    BlockedSubmission,
    Enterprise,
    FairEntry,
    JobFair,
    Position,
    Problem,
)
from qunfang.org.access import access_object, can
from qunfang.org.current import current_region_with
from qunfang.org.models import Region
from qunfang.org.roles import Capability

PAGE_SIZE = 50
MANAGE = Capability.MANAGE_ENTERPRISES
# Project choices: a job-seeker may submit 10 applications per 10 minutes from one address,
# and browse 120 pages a minute.
APPLY_LIMIT = Limit("jobfair-apply", 10, 600)
BROWSE_LIMIT = Limit("jobfair-browse", 120, 60)
EXPORT_LIMIT = Limit("enterprise-export", 30, 3600)


def _region(request: HttpRequest) -> Region:
    return current_region_with(request, MANAGE)


def _require(user, region: Region) -> None:
    if not can(user, MANAGE, region.code):
        raise PermissionDenied


def _picked(form: Form, field: str, queryset):
    """The row a picker names among `queryset` (already scoped), or None when the field is
    empty or did not parse. A key outside the queryset is a 404."""
    form.is_valid()
    pk = form.cleaned_data.get(field)
    if pk is None:  # empty, or not an id at all (the form's bounds are those of an id)
        return None
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form, *, title: str, back: str, subtitle: str = "") -> HttpResponse:
    return render(
        request,
        "enterprises/form.html",
        {"form": form, "title": title, "back": back, "subtitle": subtitle},
    )


def _window(request: HttpRequest):
    window = WindowForm(request.GET or None)
    if window.is_valid():
        return window, window.cleaned_data["start"], window.cleaned_data["end"]
    return window, None, None


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    window, start, end = _window(request)
    service = stats.service_summary(request.user, region, start, end)
    fair = stats.fair_summary(request.user, region, start, end)
    categories = [(label, service.by_category[value]) for value, label in Problem.Category.choices]
    return render(
        request,
        "enterprises/overview.html",
        {
            "region": region,
            "service": service,
            "fair": fair,
            "categories": categories,
            "window": window,
        },
    )


# --- enterprises ----------------------------------------------------------------------------


@require_GET
@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    resumption = request.GET.get("resumption", "")
    if resumption not in Enterprise.Resumption.values:
        resumption = ""
    query = query_text(request.GET.get("q"), 50)
    enterprises = selectors.enterprise_list(
        request.user, region=region, resumption=resumption, query=query
    )
    extra = request.GET.copy()
    extra.pop("page", None)
    return render(
        request,
        "enterprises/enterprise_list.html",
        {
            "region": region,
            "page": _page(request, enterprises),
            "resumption": resumption,
            "statuses": Enterprise.Resumption.choices,
            "query": query,
            "extra": extra.urlencode(),
        },
    )


def _group_options(user, region: Region) -> list[tuple[int, str]]:
    return [(d.pk, str(d)) for d in selectors.work_group_choices(user, region=region)]


@require_http_methods(["GET", "POST"])
@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    places = selectors.region_choices(request.user, region=region)
    groups = selectors.work_group_choices(request.user, region=region)
    options = {
        "place": [(p.pk, p.display_name) for p in places],
        "work_group": [(d.pk, str(d)) for d in groups],
    }
    title = _("登记企业")
    if request.method == "GET":
        form = EnterpriseForm(options=options, initial={"employees": 0})
        return _form_page(request, form, title=title, back="enterprises:list")
    form = EnterpriseForm(request.POST, options=options)
    place = _picked(form, "place", places)
    if place is not None:
        _require(request.user, place)
    # The work group must serve the chosen place, which the service checks.
    work_group = _picked(form, "work_group", groups)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enterprise = services.enterprise_create(
                actor=request.user,
                region=place,
                name=data["name"],
                credit_code=data["credit_code"],
                industry=data["industry"],
                size=data["size"],
                employees=data["employees"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                work_group=work_group,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记企业。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return _form_page(request, form, title=title, back="enterprises:list")


def _enterprise(request: HttpRequest, pk: int) -> Enterprise:
    enterprise = access_object(
        Enterprise.objects.select_related("region", "work_group__region"), request.user, pk=pk
    )
    _require(request.user, enterprise.region)
    return enterprise


@require_GET
@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "visits": enterprise.visits.select_related("work_group", "recorded_by"),
            "problems": enterprise.problems.select_related("visit"),
            "reports": enterprise.reports.all()[:20],
            "entries": enterprise.fair_entries.select_related("fair"),
            "groups": _group_options(request.user, enterprise.region),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def enterprise_assign(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    groups = selectors.work_group_choices(request.user, region=enterprise.region)
    form = AssignForm(request.POST)
    work_group = _picked(form, "work_group", groups)
    try:
        services.enterprise_assign(actor=request.user, enterprise=enterprise, work_group=work_group)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已调整对口服务工作组。"))
    return redirect("enterprises:detail", pk=enterprise.pk)


@require_http_methods(["GET", "POST"])
@login_required
def visit_create(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    groups = selectors.work_group_choices(request.user, region=enterprise.region)
    options = {"work_group": [(d.pk, str(d)) for d in groups]}
    title = _("记录入企走访")
    back_url = "enterprises:list"
    if request.method == "GET":
        initial = {"visited_on": timezone.localdate(), "work_group": enterprise.work_group_id}
        form = VisitForm(options=options, initial=initial)
        return _form_page(request, form, title=title, back=back_url, subtitle=enterprise.name)
    form = VisitForm(request.POST, options=options)
    work_group = _picked(form, "work_group", groups)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                actor=request.user,
                enterprise=enterprise,
                visited_on=data["visited_on"],
                visitors=data["visitors"],
                notes=data["notes"],
                work_group=work_group,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已记录走访。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return _form_page(request, form, title=title, back=back_url, subtitle=enterprise.name)


@require_http_methods(["GET", "POST"])
@login_required
def problem_create(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    visits = enterprise.visits.all()
    options = {"visit": [(v.pk, f"{v.visited_on:%Y-%m-%d} {v.visitors}") for v in visits]}
    title = _("登记企业反映的问题")
    if request.method == "GET":
        form = ProblemForm(options=options, initial={"raised_on": timezone.localdate()})
        return _form_page(
            request, form, title=title, back="enterprises:list", subtitle=enterprise.name
        )
    form = ProblemForm(request.POST, options=options)
    visit = _picked(form, "visit", visits)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.problem_raise(
                actor=request.user,
                enterprise=enterprise,
                category=data["category"],
                description=data["description"],
                raised_on=data["raised_on"],
                visit=visit,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记问题。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return _form_page(request, form, title=title, back="enterprises:list", subtitle=enterprise.name)


@require_POST
@login_required
def problem_solve(request: HttpRequest, pk: int) -> HttpResponse:
    problem = access_object(
        Problem.objects.select_related("enterprise__region"), request.user, pk=pk
    )
    _require(request.user, problem.enterprise.region)
    form = SolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效日期，如 2020-02-03。"))
        return redirect("enterprises:detail", pk=problem.enterprise_id)
    try:
        services.problem_solve(
            actor=request.user,
            problem=problem,
            resolution=form.cleaned_data["resolution"],
            solved_on=form.cleaned_data["solved_on"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("问题已解决。"))
    return redirect("enterprises:detail", pk=problem.enterprise_id)


@require_http_methods(["GET", "POST"])
@login_required
def resumption_create(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = _enterprise(request, pk)
    title = _("填报复工情况")
    if request.method == "GET":
        initial = {
            "reported_on": timezone.localdate(),
            "status": enterprise.resumption,
            "workers_back": enterprise.workers_back,
        }
        form = ResumptionForm(initial=initial)
        return _form_page(
            request, form, title=title, back="enterprises:list", subtitle=enterprise.name
        )
    form = ResumptionForm(request.POST)
    if form.is_valid():
        try:
            services.resumption_report(
                actor=request.user, enterprise=enterprise, **form.cleaned_data
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已填报复工情况。"))
            return redirect("enterprises:detail", pk=enterprise.pk)
    return _form_page(request, form, title=title, back="enterprises:list", subtitle=enterprise.name)


# --- job fairs (staff) ----------------------------------------------------------------------


@require_GET
@login_required
def fair_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    return render(
        request,
        "enterprises/fair_list.html",
        {"region": region, "fairs": selectors.fair_list(request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def fair_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    organisers = selectors.work_group_choices(request.user, region=region)
    options = {"organiser": [(d.pk, str(d)) for d in organisers]}
    title = _("举办网络招聘会")
    if request.method == "GET":
        return _form_page(request, FairForm(options=options), title=title, back="enterprises:fairs")
    form = FairForm(request.POST, options=options)
    organiser = _picked(form, "organiser", organisers)
    if form.is_valid():
        data = form.cleaned_data
        try:
            fair = services.fair_create(
                actor=request.user,
                region=region,
                organiser=organiser,
                title=data["title"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                description=data["description"],
                publish=data["publish"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已创建招聘会。"))
            return redirect("enterprises:fair", pk=fair.pk)
    return _form_page(request, form, title=title, back="enterprises:fairs")


def _visible_fair(request: HttpRequest, pk: int) -> JobFair:
    """A fair run in or above the user's scope (404 otherwise)."""
    try:
        return selectors.fair_list(request.user).get(pk=pk)
    except JobFair.DoesNotExist:
        raise Http404 from None


def _organiser(user, fair: JobFair) -> bool:
    return can(user, MANAGE, fair.region.code)


@require_GET
@login_required
def fair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = _region(request)
    fair = _visible_fair(request, pk)
    entries = selectors.entry_list(request.user, fair=fair)
    joined = entries.values_list("enterprise_id", flat=True)
    candidates = selectors.enterprise_list(request.user, region=region).exclude(pk__in=list(joined))
    summary = stats.fair_summary(request.user, region, fair=fair)
    return render(
        request,
        "enterprises/fair_detail.html",
        {
            "fair": fair,
            "region": region,
            "entries": entries,
            "positions": selectors.position_list(request.user, fair=fair),
            "candidates": candidates,
            "summary": summary,
            "is_organiser": _organiser(request.user, fair),
            "today": timezone.localdate(),
        },
    )


@require_POST
@login_required
def fair_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _region(request)
    fair = _visible_fair(request, pk)
    if not _organiser(request.user, fair):
        raise PermissionDenied
    services.fair_publish(
        actor=request.user, fair=fair, published=request.POST.get("publish") == "1"
    )
    messages.success(request, _("已更新发布状态。"))
    return redirect("enterprises:fair", pk=fair.pk)


@require_POST
@login_required
def entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    region = _region(request)
    fair = _visible_fair(request, pk)
    form = EntryForm(request.POST)
    enterprise = _picked(form, "enterprise", selectors.enterprise_list(request.user, region=region))
    if enterprise is None:
        messages.error(request, _("请选择企业。"))
        return redirect("enterprises:fair", pk=fair.pk)
    _require(request.user, enterprise.region)
    try:
        services.entry_apply(actor=request.user, fair=fair, enterprise=enterprise)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已申报参会，等待主办单位审核。"))
    return redirect("enterprises:fair", pk=fair.pk)


@require_POST
@login_required
def entry_vet(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if not _organiser(request.user, entry.fair):
        raise PermissionDenied
    form = VetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择通过或不通过。"))
        return redirect("enterprises:fair", pk=entry.fair_id)
    try:
        services.entry_vet(
            actor=request.user,
            entry=entry,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已审核。"))
    return redirect("enterprises:fair", pk=entry.fair_id)


def _entry(request: HttpRequest, pk: int) -> FairEntry:
    """An entry of a fair the user sees: the organisers see every entry of their fair,
    others the entries of enterprises in their scope."""
    _region(request)
    entry = (
        FairEntry.objects.select_related("fair__region", "enterprise__region").filter(pk=pk).first()
    )
    if entry is None:
        raise Http404
    visible = selectors.entry_list(request.user, fair=entry.fair).filter(pk=pk).exists()
    if not visible or not selectors.fair_list(request.user).filter(pk=entry.fair_id).exists():
        raise Http404
    return entry


@require_http_methods(["GET", "POST"])
@login_required
def position_create(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access_object(
        FairEntry.objects.select_related("fair", "enterprise__region"), request.user, pk=pk
    )
    _require(request.user, entry.enterprise.region)
    title = _("发布岗位")
    subtitle = f"{entry.enterprise.name} · {entry.fair.title}"
    if request.method == "GET":
        return _form_page(
            request, PositionForm(), title=title, back="enterprises:fairs", subtitle=subtitle
        )
    form = PositionForm(request.POST)
    if form.is_valid():
        try:
            services.position_add(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已发布岗位。"))
            return redirect("enterprises:fair", pk=entry.fair_id)
    return _form_page(request, form, title=title, back="enterprises:fairs", subtitle=subtitle)


@require_POST
@login_required
def position_close(request: HttpRequest, pk: int) -> HttpResponse:
    position = access_object(
        Position.objects.select_related("entry__enterprise__region"), request.user, pk=pk
    )
    _require(request.user, position.entry.enterprise.region)
    services.position_close(actor=request.user, position=position)
    messages.success(request, _("岗位已停止招聘。"))
    return redirect("enterprises:fair", pk=position.entry.fair_id)


@require_GET
@login_required
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    region = _region(request)
    fair = _visible_fair(request, pk)
    status = request.GET.get("status", "")
    if status not in Application.Status.values:
        status = ""
    applications = selectors.application_list(request.user, fair=fair, region=region, status=status)
    return render(
        request,
        "enterprises/application_list.html",
        {
            "fair": fair,
            "region": region,
            "page": _page(request, applications),
            "status": status,
            "statuses": Application.Status.choices,
            "can_reveal": can(request.user, Capability.VIEW_SENSITIVE, region.code),
        },
    )


@require_POST
@login_required
def application_status(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_object(
        Application.objects.select_related("position__entry__enterprise__region"),
        request.user,
        pk=pk,
    )
    _require(request.user, application.position.entry.enterprise.region)
    form = ApplicationStatusForm(request.POST)
    if form.is_valid():
        services.application_set_status(
            actor=request.user, application=application, status=form.cleaned_data["status"]
        )
        messages.success(request, _("已更新处理状态。"))
    else:
        messages.error(request, _("请选择处理状态。"))
    return redirect("enterprises:applications", pk=application.position.entry.fair_id)


@require_GET
@login_required
def fair_export(request: HttpRequest, pk: int, what: str, fmt: str) -> HttpResponse:
    region = _region(request)
    fair = _visible_fair(request, pk)
    if what not in ("positions", "applications") or fmt not in ("xlsx", "csv"):
        raise Http404
    reveal = request.GET.get("reveal") == "1"
    if reveal and not can(request.user, Capability.VIEW_SENSITIVE, region.code):
        raise PermissionDenied
    if not hit(request, EXPORT_LIMIT):
        return HttpResponse(_("导出过于频繁，请稍后再试。"), status=429)
    if what == "positions":
        title = _("招聘岗位")
        headers, rows = exports.position_rows(
            selectors.position_list(request.user, fair=fair, region=region)
        )
    else:
        title = _("求职申请")
        headers, rows = exports.application_rows(
            selectors.application_list(request.user, fair=fair, region=region), reveal=reveal
        )
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{fair.title} {title} {'完整' if reveal else '脱敏'} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"fair": fair.pk, "rows": len(rows), "reveal": reveal, "format": fmt},
    )
    if fmt == "csv":
        body, content_type = write_csv(headers, rows, watermark=watermark), "text/csv"
    else:
        body = write_xlsx(headers, rows, title=title, watermark=watermark)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    filename = f"{title}-{fair.title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- the public pages for job-seekers -------------------------------------------------------


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "enterprises/jobs_busy.html", status=429)


def _public_fair(pk: int) -> JobFair:
    if not 0 < pk <= ID_MAX:
        raise Http404
    fair = selectors.public_fairs().filter(pk=pk).first()
    if fair is None:
        raise Http404
    return fair


@public
@require_GET
def jobs_index(request: HttpRequest) -> HttpResponse:
    if not hit(request, BROWSE_LIMIT):
        return _too_many(request)
    return render(request, "enterprises/jobs_index.html", {"fairs": selectors.public_fairs()})


@public
@require_GET
def jobs_fair(request: HttpRequest, pk: int) -> HttpResponse:
    if not hit(request, BROWSE_LIMIT):
        return _too_many(request)
    fair = _public_fair(pk)
    query = query_text(request.GET.get("q"), 30)
    positions = selectors.public_positions(fair, query=query)
    page = _page(request, positions)
    return render(
        request,
        "enterprises/jobs_fair.html",
        {
            "fair": fair,
            "page": page,
            "query": query,
            "open": fair.starts_on <= timezone.localdate(),
            "extra": f"q={quote(query)}" if query else "",
        },
    )


@public
@require_http_methods(["GET", "POST"])
def jobs_apply(request: HttpRequest, pk: int) -> HttpResponse:
    if not 0 < pk <= ID_MAX:
        raise Http404
    position = (
        Position.objects.select_related("entry__fair", "entry__enterprise").filter(pk=pk).first()
    )
    if position is None or not services.position_is_public(position):
        raise Http404
    fair = position.entry.fair
    context = {"position": position, "fair": fair}
    if request.method == "GET":
        if not hit(request, BROWSE_LIMIT):
            return _too_many(request)
        return render(request, "enterprises/jobs_apply.html", {**context, "form": ApplyForm()})
    if not hit(request, APPLY_LIMIT):
        services.submission_block(fair=fair, reason=BlockedSubmission.Reason.RATE_LIMIT)
        return _too_many(request)
    form = ApplyForm(request.POST)
    if request.POST.get("website"):
        # A bot filled the hidden field: answer as if it worked, keep nothing it sent.
        services.submission_block(fair=fair, reason=BlockedSubmission.Reason.HONEYPOT)
        return render(request, "enterprises/jobs_done.html", {**context, "merged": False})
    if form.is_valid():
        data = form.cleaned_data
        try:
            _application, created = services.application_submit(
                position=position,
                name=data["name"],
                phone=data["phone"],
                age=data["age"],
                experience=data["experience"],
                request=request,
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            return render(request, "enterprises/jobs_done.html", {**context, "merged": not created})
    return render(request, "enterprises/jobs_apply.html", {**context, "form": form}, status=400)
