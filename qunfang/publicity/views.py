"""Publicity pages. Every page needs MANAGE_PUBLICITY at the region on screen (the switcher's
region); rows come through the selectors (scoped), objects through org.access (404 outside the
scope), and writes through the services, which check the capability again."""

import datetime as dt
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
from qunfang.core.errors import attach_errors
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import write_csv, write_xlsx
from qunfang.org.access import access_object, can, scoped, subtree_q
from qunfang.org.current import current_region_with
from qunfang.org.models import Region
from qunfang.org.roles import Capability, Level
from qunfang.publicity import selectors, services, stats
from qunfang.publicity.exports import EXPORTS
from qunfang.publicity.forms import (
    AnnouncementForm,
    ArticleCountsForm,
    ArticleForm,
    ChannelForm,
    ExpertForm,
    MaterialForm,
    PressForm,
    WindowForm,
)
from qunfang.publicity.models import Announcement, AnnouncementSeries, Article, PressLevel

PAGE_SIZE = 50


def _require_manage(user, region: Region) -> None:
    if not can(user, Capability.MANAGE_PUBLICITY, region.code):
        raise PermissionDenied


def _region(request: HttpRequest) -> Region:
    return current_region_with(request, Capability.MANAGE_PUBLICITY)


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_page(request, form: Form, *, title: str, back: str, intro: str = "") -> HttpResponse:
    return render(
        request,
        "publicity/form.html",
        {"form": form, "title": title, "back": back, "intro": intro},
    )


def _window(request: HttpRequest) -> tuple[WindowForm, dt.date | None, dt.date | None]:
    window = WindowForm(request.GET or None)
    if window.is_valid():
        return window, window.cleaned_data["start"], window.cleaned_data["end"]
    return window, None, None


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    window, start, end = _window(request)
    summary = stats.publicity_summary(request.user, region, start, end)
    chart = {
        "title": _("宣传材料发放（份/条/块）"),
        "labels": [m.label for m in summary.materials],
        "values": [m.quantity for m in summary.materials],
        "series": [s.name for s in summary.announcements],
        "issued": [s.latest_number for s in summary.announcements],
    }
    return render(
        request,
        "publicity/overview.html",
        {
            "region": region,
            "summary": summary,
            "window": window,
            "chart": chart,
            "levels": [(label, summary.press.by_level[key]) for key, label in PressLevel.choices],
            "exports": EXPORTS,
        },
    )


# --- announcements ----------------------------------------------------------------------------


@require_GET
@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    series = list(selectors.series_list(request.user, region=region))
    for item in series:
        item.next_number = (item.latest or 0) + 1
    rows = selectors.announcement_list(request.user, region=region)
    return render(
        request,
        "publicity/announcement_list.html",
        {"region": region, "series": series, "page": _page(request, rows)},
    )


def _series_choices(user, region: Region) -> list[tuple[str, str]]:
    own = AnnouncementSeries.objects.filter(region=region).order_by("name")
    return [(str(s.pk), s.name) for s in scoped(own, user)]


@require_http_methods(["GET", "POST"])
@login_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    choices = _series_choices(request.user, region)
    title = _("发布公告")
    if request.method == "GET":
        initial = {"series": request.GET.get("series", "")}
        form = AnnouncementForm(series_choices=choices, initial=initial)
        return _form_page(request, form, title=title, back="publicity:announcements")
    form = AnnouncementForm(request.POST, series_choices=choices)
    if form.is_valid():
        data = form.cleaned_data
        if data["new_series"].strip():
            series = data["new_series"]
        elif data["series"]:
            series = access_object(
                AnnouncementSeries.objects.select_related("region"),
                request.user,
                pk=data["series"],
            )
        else:
            form.add_error("series", _("请选择公告系列，或填写新系列名称。"))
            return _form_page(request, form, title=title, back="publicity:announcements")
        try:
            announcement = services.announcement_publish(
                actor=request.user,
                region=region,
                series=series,
                title=data["title"],
                body=data["body"],
                channels=data["channels"],
                number=data["number"],
            )
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, _("已发布 %(name)s。") % {"name": announcement})
            return redirect("publicity:announcement", pk=announcement.pk)
    return _form_page(request, form, title=title, back="publicity:announcements")


@require_GET
@login_required
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_object(
        Announcement.objects.select_related("series", "region"), request.user, pk=pk
    )
    _require_manage(request.user, announcement.region)
    sent = {c.channel for c in announcement.channels.all()}
    form = ChannelForm()
    form.fields["channel"].choices = [
        (key, label) for key, label in form.fields["channel"].choices if key not in sent
    ]
    return render(
        request,
        "publicity/announcement_detail.html",
        {
            "announcement": announcement,
            "channels": announcement.channels.order_by("sent_at"),
            "programmes": announcement.programmes.select_related("region"),
            "form": form,
        },
    )


@require_POST
@login_required
def announcement_channel(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_object(
        Announcement.objects.select_related("series", "region"), request.user, pk=pk
    )
    _require_manage(request.user, announcement.region)
    form = ChannelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择渠道。"))
    else:
        try:
            services.announcement_add_channel(
                actor=request.user, announcement=announcement, channel=form.cleaned_data["channel"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("已登记发布渠道。"))
    return redirect("publicity:announcement", pk=announcement.pk)


# --- press, articles, materials, expert broadcasts ---------------------------------------------


def _simple_list(request, template: str, rows, **extra) -> HttpResponse:
    region = _region(request)
    return render(
        request,
        f"publicity/{template}",
        {"region": region, "page": _page(request, rows(request.user, region)), **extra},
    )


@require_GET
@login_required
def press_list(request: HttpRequest) -> HttpResponse:
    return _simple_list(request, "press_list.html", lambda u, r: selectors.press_list(u, region=r))


@require_GET
@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    return _simple_list(
        request, "article_list.html", lambda u, r: selectors.article_list(u, region=r)
    )


@require_GET
@login_required
def material_list(request: HttpRequest) -> HttpResponse:
    return _simple_list(
        request, "material_list.html", lambda u, r: selectors.material_list(u, region=r)
    )


@require_GET
@login_required
def expert_list(request: HttpRequest) -> HttpResponse:
    return _simple_list(
        request, "expert_list.html", lambda u, r: selectors.expert_list(u, region=r)
    )


def _create(request, form_class, *, title: str, back: str, save, success: str, **form_kwargs):
    region = _region(request)
    if request.method == "GET":
        form = form_class(initial={"published_on": timezone.localdate()}, **form_kwargs)
        return _form_page(request, form, title=title, back=back)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        try:
            save(region, form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(back)
    return _form_page(request, form, title=title, back=back)


@require_http_methods(["GET", "POST"])
@login_required
def press_create(request: HttpRequest) -> HttpResponse:
    return _create(
        request,
        PressForm,
        title=_("登记媒体报道"),
        back="publicity:press",
        success=_("已登记媒体报道。"),
        save=lambda region, data: services.press_item_record(
            actor=request.user, region=region, **data
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def article_create(request: HttpRequest) -> HttpResponse:
    def save(region, data):
        data = {**data, "reads": data["reads"] or 0, "reprints": data["reprints"] or 0}
        services.article_record(actor=request.user, region=region, **data)

    return _create(
        request,
        ArticleForm,
        title=_("登记新媒体作品"),
        back="publicity:articles",
        success=_("已登记新媒体作品。"),
        save=save,
    )


@require_POST
@login_required
def article_counts(request: HttpRequest, pk: int) -> HttpResponse:
    article = access_object(Article.objects.select_related("region"), request.user, pk=pk)
    _require_manage(request.user, article.region)
    form = ArticleCountsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("阅读量和转载次数请填写 0 至 2147483647 之间的整数。"))
        return redirect("publicity:articles")
    try:
        services.article_update_counts(
            actor=request.user,
            article=article,
            reads=form.cleaned_data["reads"],
            reprints=form.cleaned_data["reprints"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已更新阅读量。"))
    return redirect("publicity:articles")


def _material_regions(user, region: Region) -> list[tuple[str, str]]:
    """The region on screen and, below it, the towns and villages a batch can go to."""
    below = (
        scoped(Region.objects.filter(subtree_q(region.code)), user)
        .filter(level__in=[Level.COUNTY, Level.TOWN, Level.VILLAGE])
        .order_by("code")
    )
    return [
        (r.code, ("　" * max(0, (len(r.code) - len(region.code)) // 3)) + r.display_name)
        for r in below
    ]


@require_http_methods(["GET", "POST"])
@login_required
def material_create(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    regions = _material_regions(request.user, region)

    def save(_region_on_screen, data):
        target = access_object(Region.objects.all(), request.user, code=data.pop("region"))
        if not can(request.user, Capability.MANAGE_PUBLICITY, target.code):
            raise PermissionDenied
        services.material_record(actor=request.user, region=target, **data)

    if request.method == "GET":
        form = MaterialForm(
            regions=regions,
            initial={"region": region.code, "distributed_on": timezone.localdate()},
        )
        return _form_page(request, form, title=_("登记宣传材料发放"), back="publicity:materials")
    return _create(
        request,
        MaterialForm,
        title=_("登记宣传材料发放"),
        back="publicity:materials",
        success=_("已登记宣传材料发放。"),
        save=save,
        regions=regions,
    )


@require_http_methods(["GET", "POST"])
@login_required
def expert_create(request: HttpRequest) -> HttpResponse:
    return _create(
        request,
        ExpertForm,
        title=_("登记专家直播"),
        back="publicity:experts",
        success=_("已登记专家直播。"),
        save=lambda region, data: services.expert_broadcast_record(
            actor=request.user, region=region, **{**data, "viewers": data["viewers"] or 0}
        ),
    )


# --- exports ----------------------------------------------------------------------------------


@require_GET
@login_required
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    region = _region(request)
    spec = EXPORTS.get(name)
    if spec is None or fmt not in ("xlsx", "csv"):
        raise Http404
    rows = spec.rows(request.user, region)
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{spec.title} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"export": f"publicity.{name}", "rows": len(rows), "format": fmt},
    )
    filename = f"{spec.title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            write_csv(spec.headers, rows, watermark=watermark), content_type="text/csv"
        )
    else:
        response = HttpResponse(
            write_xlsx(spec.headers, rows, title=spec.title, watermark=watermark),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
