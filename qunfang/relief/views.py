"""Relief pages. Reading needs VIEW_LEDGER at the region on screen; writing needs EDIT_RECORDS
(and VIEW_LEDGER, since every form shows ledger rows) at the region of the row written.
Objects are fetched through org.access, so a row outside the scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core.errors import attach_errors, flash_errors
from qunfang.core.idcard import age_on
from qunfang.org.access import access_object, can
from qunfang.org.current import current_region
from qunfang.org.models import Region
from qunfang.org.roles import Capability, Level
from qunfang.relief import selectors, services, stats
from qunfang.relief.forms import (
    AssistanceForm,
    CareEndForm,
    CareForm,
    FamilyEventForm,
    FamilyEventUpdateForm,
    PaperworkForm,
    WeChatGroupForm,
    WindowForm,
)
from qunfang.relief.models import MAX_GATHERING, AssistanceCase, CareArrangement, FamilyEvent
from qunfang.residents.models import Household, Person

PAGE_SIZE = 50


def _reading_region(request: HttpRequest) -> Region:
    region = current_region(request)
    if region is None or not can(request.user, Capability.VIEW_LEDGER, region.code):
        raise PermissionDenied
    return region


def _can_edit(user, region: Region) -> bool:
    return can(user, Capability.VIEW_LEDGER, region.code) and can(
        user, Capability.EDIT_RECORDS, region.code
    )


def _require_edit(user, region: Region) -> None:
    if not _can_edit(user, region):
        raise PermissionDenied


def _picked(form: Form, field: str, queryset, user):
    """The scoped row a picker names, or None when the field did not parse. A key outside
    the scope raises the 404 whatever else is wrong with the form."""
    form.is_valid()
    pk = form.cleaned_data.get(field)
    if pk is None:
        return None
    return access_object(queryset, user, pk=pk)


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request: HttpRequest, form: Form, *, title: str, back: str) -> HttpResponse:
    return render(request, "relief/form.html", {"form": form, "title": title, "back": back})


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    summary = stats.relief_summary(request.user, region, start, end)
    return render(
        request,
        "relief/overview.html",
        {"region": region, "summary": summary, "window": window, "start": start, "end": end},
    )


# --- temporary assistance ------------------------------------------------------------------


@require_GET
@login_required
def assistance_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    overdue_only = request.GET.get("show") == "overdue"
    cases = selectors.assistance_case_list(request.user, region=region, overdue_only=overdue_only)
    return render(
        request,
        "relief/assistance_list.html",
        {
            "region": region,
            "page": _page(request, cases),
            "overdue_only": overdue_only,
            "can_edit": _can_edit(request.user, region),
            "today": timezone.localdate(),
        },
    )


def _household_options(user, region: Region) -> list[tuple[int, str]]:
    return [
        (h.pk, " · ".join(filter(None, [h.region.display_name, h.register_no, h.head_name])))
        for h in selectors.household_choices(user, region=region)
    ]


@require_http_methods(["GET", "POST"])
@login_required
def assistance_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    _require_edit(request.user, region)
    options = {"household": _household_options(request.user, region)}
    if request.method == "GET":
        form = AssistanceForm(options=options, initial={"granted_on": timezone.localdate()})
        return _form_page(request, form, title=_("发放临时救助"), back="relief:assistance")
    form = AssistanceForm(request.POST, options=options)
    household = _picked(form, "household", Household.objects.select_related("region"), request.user)
    if household is not None:
        _require_edit(request.user, household.region)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assistance_grant(
                actor=request.user,
                household=household,
                reason=data["reason"],
                reason_detail=data["reason_detail"],
                form=data["form"],
                cash_amount=data["cash_amount"],
                in_kind_description=data["in_kind_description"],
                granted_on=data["granted_on"],
                paperwork_due=data["paperwork_due"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记临时救助，请在期限内补齐手续。"))
            return redirect("relief:assistance")
    return _form_page(request, form, title=_("发放临时救助"), back="relief:assistance")


@require_POST
@login_required
def assistance_paperwork(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_object(AssistanceCase.objects.select_related("region"), request.user, pk=pk)
    _require_edit(request.user, case.region)
    form = PaperworkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效日期，如 2020-02-03。"))
        return redirect("relief:assistance")
    try:
        services.assistance_complete_paperwork(
            actor=request.user, case=case, done_on=form.cleaned_data["done_on"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已补齐手续。"))
    return redirect("relief:assistance")


# --- temporary care -------------------------------------------------------------------------


@require_GET
@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    status = request.GET.get("status", "")
    if status not in CareArrangement.Status.values:
        status = ""
    arrangements = selectors.care_arrangement_list(request.user, region=region, status=status)
    return render(
        request,
        "relief/care_list.html",
        {
            "region": region,
            "page": _page(request, arrangements),
            "status": status,
            "statuses": CareArrangement.Status.choices,
            "can_edit": _can_edit(request.user, region),
        },
    )


def _person_options(user, region: Region) -> list[tuple[int, str]]:
    today = timezone.localdate()
    options = []
    for person in selectors.care_person_choices(user, region=region, on=today):
        age = _("%(age)s岁") % {"age": age_on(person.birth_date, today)}
        options.append((person.pk, " · ".join([person.region.display_name, person.name, age])))
    return options


@require_http_methods(["GET", "POST"])
@login_required
def care_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    _require_edit(request.user, region)
    options = {"person": _person_options(request.user, region)}
    if request.method == "GET":
        form = CareForm(options=options, initial={"start_date": timezone.localdate()})
        return _form_page(request, form, title=_("安排临时照料"), back="relief:care")
    form = CareForm(request.POST, options=options)
    person = _picked(form, "person", Person.objects.select_related("region"), request.user)
    if person is not None:
        _require_edit(request.user, person.region)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.care_arrange(
                actor=request.user,
                person=person,
                reason=data["reason"],
                carer_name=data["carer_name"],
                carer_phone=data["carer_phone"],
                place=data["place"],
                start_date=data["start_date"],
                note=data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已安排临时照料。"))
            return redirect("relief:care")
    return _form_page(request, form, title=_("安排临时照料"), back="relief:care")


@require_POST
@login_required
def care_end(request: HttpRequest, pk: int) -> HttpResponse:
    arrangement = access_object(
        CareArrangement.objects.select_related("region"), request.user, pk=pk
    )
    _require_edit(request.user, arrangement.region)
    form = CareEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效日期，如 2020-02-03。"))
        return redirect("relief:care")
    try:
        services.care_end(
            actor=request.user, arrangement=arrangement, end_date=form.cleaned_data["end_date"]
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已结束临时照料。"))
    return redirect("relief:care")


# --- weddings and funerals ------------------------------------------------------------------


@require_GET
@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    events = selectors.family_event_list(request.user, region=region)
    return render(
        request,
        "relief/event_list.html",
        {
            "region": region,
            "page": _page(request, events),
            "statuses": FamilyEvent.Status.choices,
            "limit": MAX_GATHERING,
            "can_edit": _can_edit(request.user, region),
        },
    )


def _village_options(user, region: Region) -> list[tuple[int, str]]:
    return [(v.pk, v.display_name) for v in selectors.village_choices(user, region=region)]


@require_http_methods(["GET", "POST"])
@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    _require_edit(request.user, region)
    options = {
        "village": _village_options(request.user, region),
        "household": _household_options(request.user, region),
    }
    if request.method == "GET":
        form = FamilyEventForm(options=options)
        return _form_page(request, form, title=_("登记婚丧事"), back="relief:events")
    form = FamilyEventForm(request.POST, options=options)
    villages = Region.objects.filter(level=Level.VILLAGE)
    village = _picked(form, "village", villages, request.user)
    household = _picked(form, "household", Household.objects.select_related("region"), request.user)
    if village is not None:
        _require_edit(request.user, village)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.family_event_record(
                actor=request.user,
                region=village,
                household=household,
                kind=data["kind"],
                family_name=data["family_name"],
                original_date=data["original_date"],
                new_date=data["new_date"],
                expected_size=data["expected_size"],
                status=data["status"],
                note=data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已登记婚丧事。"))
            return redirect("relief:events")
    return _form_page(request, form, title=_("登记婚丧事"), back="relief:events")


@require_POST
@login_required
def event_update(request: HttpRequest, pk: int) -> HttpResponse:
    event = access_object(FamilyEvent.objects.select_related("region"), request.user, pk=pk)
    _require_edit(request.user, event.region)
    form = FamilyEventUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择办理情况并填写有效日期。"))
        return redirect("relief:events")
    try:
        services.family_event_update(
            actor=request.user,
            event=event,
            status=form.cleaned_data["status"],
            new_date=form.cleaned_data["new_date"],
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("已更新婚丧事办理情况。"))
    return redirect("relief:events")


# --- WeChat groups --------------------------------------------------------------------------


@require_GET
@login_required
def wechat_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    groups = selectors.wechat_group_list(request.user, region=region)
    return render(
        request,
        "relief/wechat_list.html",
        {
            "region": region,
            "page": _page(request, groups),
            "can_edit": _can_edit(request.user, region),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def wechat_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    _require_edit(request.user, region)
    options = {"village": _village_options(request.user, region)}
    if request.method == "GET":
        form = WeChatGroupForm(options=options, initial={"members": 0})
        return _form_page(request, form, title=_("登记民政事务微信群"), back="relief:wechat")
    form = WeChatGroupForm(request.POST, options=options)
    village = _picked(form, "village", Region.objects.filter(level=Level.VILLAGE), request.user)
    if village is not None:
        _require_edit(request.user, village)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _group, created = services.wechat_group_save(
                actor=request.user,
                region=village,
                name=data["name"],
                admin_name=data["admin_name"],
                admin_phone=data["admin_phone"],
                members=data["members"],
                note=data["note"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            if created:
                messages.success(request, _("已登记民政事务微信群。"))
            else:
                messages.success(request, _("该村已有同名微信群，已更新其信息。"))
            return redirect("relief:wechat")
    return _form_page(request, form, title=_("登记民政事务微信群"), back="relief:wechat")
