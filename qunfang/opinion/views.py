"""Monitoring pages. Reading needs VIEW_OPINION at the region on screen; schemes, sources,
alerts, tickets and debunks are changed by MANAGE_OPINION at the row's region; a ticket's owner
answers it wherever they sit. Rows are fetched through org.access, so "not yours" is a 404."""

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from opinion_engine.errors import IngestError
from opinion_engine.sources import IngestReport, iter_posts
from qunfang.core.audit import audit_record
from qunfang.core.formfields import parse_id
from qunfang.core.spreadsheets import write_xlsx
from qunfang.opinion import ingest, selectors, services, stats
from qunfang.opinion.forms import (
    DebunkForm,
    FeedForm,
    NoteForm,
    SchemeForm,
    SourceForm,
    TicketForm,
    UploadForm,
)
from qunfang.opinion.models import OpinionAlert, Post, Scheme, Source, Ticket
from qunfang.org.access import access_object, can, scoped, subtree_q
from qunfang.org.current import current_region
from qunfang.org.models import Department, Region
from qunfang.org.roles import Capability

TEST_POSTS = 2000
EXPORT_LIMIT = 50_000


def _region(request: HttpRequest, capability: str = Capability.VIEW_OPINION) -> Region:
    region = current_region(request)
    if region is None or not can(request.user, capability, region.code):
        raise PermissionDenied
    return region


def _manage(user, code: str) -> bool:
    return can(user, Capability.MANAGE_OPINION, code)


def _regions_down_to_towns(root: Region):
    return (
        Region.objects.filter(subtree_q(root.code))
        .annotate(n=Length("code"))
        .filter(n__lte=9)
        .order_by("code")
    )


def _managed_regions(user, root: Region) -> list[Region]:
    return [r for r in _regions_down_to_towns(root) if _manage(user, r.code)]


def _period(request: HttpRequest) -> tuple[dt.datetime, dt.datetime, int]:
    try:
        days = max(1, min(int(request.GET.get("days", 7)), 366))
    except ValueError:
        days = 7
    until = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    until += dt.timedelta(days=1)
    return until - dt.timedelta(days=days), until, days


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    since, until, days = _period(request)
    counts = stats.opinion_counts(region.code, since, until)
    user = request.user
    return render(
        request,
        "opinion/overview.html",
        {
            "region": region,
            "days": days,
            "since": since,
            "counts": counts,
            "chart": stats.daily_volume(region.code, since, until),
            "alerts": selectors.visible_alerts(user)
            .filter(status=OpinionAlert.Status.OPEN)
            .filter(subtree_q(region.code, "region_code"))[:10],
            "tickets": selectors.visible_tickets(user).exclude(status=Ticket.Status.CLOSED)[:10],
            "events": selectors.visible_events(user)
            .filter(subtree_q(region.code, "region_code"))
            .order_by("-last_seen")[:8],
            "now": timezone.now(),
        },
    )


def _feed_filter(request: HttpRequest, region: Region) -> tuple[FeedForm, selectors.FeedFilter]:
    user = request.user
    form = FeedForm(
        request.GET or None,
        regions=_regions_down_to_towns(region),
        sources=selectors.visible_sources(user),
        schemes=selectors.visible_schemes(user),
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and form.errors:
        messages.warning(request, _("部分筛选条件无效，已忽略。"))
    day = dt.timedelta(days=1)

    def start_of(d):
        return timezone.make_aware(dt.datetime.combine(d, dt.time())) if d else None

    return form, selectors.FeedFilter(
        region=data.get("region") or region.code,
        source=data.get("source"),
        since=start_of(data.get("since")),
        until=start_of(data["until"] + day) if data.get("until") else None,
        sentiment=data.get("sentiment", ""),
        risk=data.get("risk", ""),
        category=data.get("category", ""),
        scheme=data.get("scheme"),
        event=data.get("event"),
        epidemic=data.get("epidemic"),
        local=data.get("local"),
        q=data.get("q", ""),
    )


def _cursor(raw: str) -> tuple[dt.datetime, int] | None:
    at, _sep, pk = raw.rpartition("_")
    when = parse_datetime(at) if at else None
    pk_value = parse_id(pk)
    if when is None or pk_value is None:
        return None
    return when, pk_value


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    form, f = _feed_filter(request, region)
    before = _cursor(request.GET.get("before", ""))
    posts = list(selectors.feed(request.user, f, before=before)[: selectors.PAGE + 1])
    more = len(posts) > selectors.PAGE
    posts = posts[: selectors.PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    next_query = ""
    if more:
        last = posts[-1]
        query["before"] = f"{last.published_at.isoformat()}_{last.pk}"
        next_query = query.urlencode()
    return render(
        request,
        "opinion/feed.html",
        {
            "region": region,
            "form": form,
            "posts": posts,
            "next_query": next_query,
            "export_query": request.GET.urlencode(),
            "can_manage": _manage(request.user, region.code),
            **_card_context(),
        },
    )


def _card_context() -> dict:
    """Links and labels every post card repeats, worked out once per page rather than 50 times
    (reversing URLs and looking up translations per card was most of the feed's cost)."""
    return {
        "urls": {
            "post": reverse("opinion:post", args=[0])[:-2],
            "debunk": reverse("opinion:debunk", args=[0])[:-2],
            "event": reverse("opinion:event", args=[0])[:-2],
            "escalate": reverse("opinion:ticket_new"),
        },
        "labels": {
            "risk": _("风险"),
            "epidemic": _("涉疫"),
            "local": _("涉本地"),
            "copy": _("转发/重复"),
            "debunked": _("已有辟谣"),
            "event": _("事件"),
            "escalate": _("转督办"),
        },
    }


@login_required
@require_GET
def feed_export(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    _form, f = _feed_filter(request, region)
    rows = selectors.feed(request.user, f)[:EXPORT_LIMIT]
    headers = [
        "发布时间",
        "信息源",
        "作者",
        "内容",
        "情感",
        "风险等级",
        "风险分",
        "风险类别",
        "涉疫",
        "涉本地",
        "区域",
        "研判理由",
        "原文链接",
    ]
    body = [
        [
            timezone.localtime(p.published_at).strftime("%Y-%m-%d %H:%M"),
            p.source.name,
            p.author,
            p.text,
            p.get_sentiment_display(),
            p.get_risk_level_display(),
            p.risk_score,
            "、".join(p.category_list),
            "是" if p.epidemic else "否",
            "是" if p.local else "否",
            p.region_code,
            "；".join(r["text"] for r in p.reasons),
            p.url,
        ]
        for p in rows
    ]
    audit_record(
        action="export",
        actor=request.user,
        target="opinion.Post",
        region_code=f.region,
        request=request,
        detail={"rows": len(body)},
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    content = write_xlsx(
        headers, body, title="舆情信息", watermark=f"{request.user.get_username()} 导出于 {stamp}"
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="opinion-posts.xlsx"'
    return response


@login_required
@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = access_object(
        Post.objects.select_related("source", "debunk", "event", "duplicate_of"),
        request.user,
        pk=pk,
    )
    if not can(request.user, Capability.VIEW_OPINION, post.region_code):
        raise PermissionDenied
    copies = Post.objects.filter(duplicate_of=post).select_related("source")[:20]
    return render(
        request,
        "opinion/post.html",
        {
            "post": post,
            "copies": copies,
            "schemes": post.schemes.all(),
            "tickets": post.tickets.all(),
            "can_manage": _manage(request.user, post.region_code),
        },
    )


# --- schemes ---------------------------------------------------------------------------------


@login_required
@require_GET
def scheme_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    schemes = (
        selectors.visible_schemes(request.user)
        .filter(subtree_q(region.code, "region__code"))
        .annotate(hits=Count("posts"))
    )
    return render(
        request,
        "opinion/schemes.html",
        {"region": region, "schemes": schemes, "can_manage": _manage(request.user, region.code)},
    )


def _recent_texts(user, region: Region) -> list[tuple[int, str]]:
    return list(
        scoped(Post.objects.all(), user)
        .filter(subtree_q(region.code, "region_code"))
        .order_by("-published_at", "-id")
        .values_list("pk", "text")[:TEST_POSTS]
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    region = _region(request)
    scheme = None
    if pk is not None:
        scheme = access_object(Scheme.objects.select_related("region"), request.user, pk=pk)
        if not _manage(request.user, scheme.region.code):
            raise PermissionDenied
    elif not _manage(request.user, region.code):
        raise PermissionDenied
    regions = _managed_regions(request.user, region)
    initial = {"region": region.code, "is_active": True}
    if scheme is not None:
        initial = {
            "region": scheme.region.code,
            "name": scheme.name,
            "expression": scheme.expression,
            "category": scheme.category,
            "is_active": scheme.is_active,
        }
        if scheme.region not in regions:
            regions.insert(0, scheme.region)
    form = SchemeForm(request.POST or None, initial=initial, regions=regions)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "test" in request.POST:
            result = _test_result(request.user, region, data["expression"], data["sample"])
        else:
            try:
                saved = services.scheme_save(
                    actor=request.user,
                    region=access_object(Region.objects.all(), request.user, code=data["region"]),
                    name=data["name"],
                    expression=data["expression"],
                    category=data["category"],
                    is_active=data["is_active"],
                    scheme=scheme,
                    request=request,
                )
            except ValidationError as error:
                field = "expression" if getattr(error, "params", None) else None
                form.add_error(field, error.messages)
            else:
                messages.success(request, _("方案已保存：%(name)s") % {"name": saved.name})
                return redirect("opinion:scheme_edit", pk=saved.pk)
    return render(
        request,
        "opinion/scheme_form.html",
        {"region": region, "form": form, "scheme": scheme, "result": result},
    )


def _test_result(user, region: Region, expression: str, sample: str) -> dict:
    texts = _recent_texts(user, region)
    result = services.scheme_test(expression, sample=sample, posts=texts)
    if result["ok"]:
        ids = result["matched_ids"][:20]
        by_id = {p.pk: p for p in Post.objects.filter(pk__in=ids).select_related("source")}
        result["posts"] = [by_id[i] for i in ids if i in by_id]
        result["matched"] = len(result["matched_ids"])
    return result


@login_required
@require_POST
def scheme_test(request: HttpRequest) -> JsonResponse:
    """The live test box: JSON for the page's script."""
    region = _region(request)
    expression = request.POST.get("expression", "")[:4000]
    sample = request.POST.get("sample", "")[:2000]
    if not expression.strip():
        return JsonResponse({"ok": False, "error": _("表达式不能为空"), "position": 0})
    result = _test_result(request.user, region, expression, sample)
    if result["ok"]:
        result["posts"] = [
            {
                "id": p.pk,
                "text": p.text[:140],
                "source": p.source.name,
                "at": timezone.localtime(p.published_at).strftime("%m-%d %H:%M"),
            }
            for p in result["posts"]
        ]
        result.pop("matched_ids")
    return JsonResponse(result)


# --- sources ---------------------------------------------------------------------------------


@login_required
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    sources = selectors.visible_sources(request.user).filter(subtree_q(region.code, "region__code"))
    return render(
        request,
        "opinion/sources.html",
        {"region": region, "sources": sources, "can_manage": _manage(request.user, region.code)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_new(request: HttpRequest) -> HttpResponse:
    region = _region(request, Capability.MANAGE_OPINION)
    form = SourceForm(
        request.POST or None,
        initial={"region": region.code},
        regions=_managed_regions(request.user, region),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source, token = services.source_create(
                actor=request.user,
                region=access_object(Region.objects.all(), request.user, code=data["region"]),
                name=data["name"],
                platform=data["platform"],
                account=data["account"],
                url=data["url"],
                feed_url=data["feed_url"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return _show_token(request, source, token)
    return render(request, "opinion/source_form.html", {"region": region, "form": form})


def _show_token(request: HttpRequest, source: Source, token: str) -> HttpResponse:
    return render(
        request,
        "opinion/source_token.html",
        {
            "source": source,
            "token": token,
            "endpoint": request.build_absolute_uri("/api/v1/opinion/posts/"),
        },
    )


def _source(request: HttpRequest, pk: int) -> Source:
    source = access_object(selectors.visible_sources(request.user), request.user, pk=pk)
    if not can(request.user, Capability.VIEW_OPINION, source.region.code):
        raise PermissionDenied
    return source


@login_required
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    return render(
        request,
        "opinion/source.html",
        {
            "source": source,
            "rejections": source.rejections.all()[:20],
            "recent": source.posts.order_by("-received_at", "-id")[:10],
            "upload": UploadForm(),
            "can_manage": _manage(request.user, source.region.code),
        },
    )


@login_required
@require_POST
def source_token(request: HttpRequest, pk: int) -> HttpResponse:
    source = _source(request, pk)
    if not _manage(request.user, source.region.code):
        raise PermissionDenied
    token = services.source_rotate_token(actor=request.user, source=source, request=request)
    return _show_token(request, source, token)


@login_required
@require_POST
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """A CSV/JSONL file of posts, in the formats the engine reads. Malformed rows are skipped and
    reported; the good rows are analysed and stored in batches."""
    source = _source(request, pk)
    if not _manage(request.user, source.region.code):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, error)
        return redirect("opinion:source", pk=source.pk)
    upload = form.cleaned_data["file"]
    suffix = ".gz" if upload.name.lower().endswith(".gz") else Path(upload.name).suffix.lower()
    if suffix not in {".csv", ".tsv", ".jsonl", ".json", ".gz", ".txt"}:
        messages.error(request, _("只接受 CSV、TSV、JSONL 文件（可 .gz 压缩）。"))
        return redirect("opinion:source", pk=source.pk)
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        try:
            report, result = ingest_file(
                source, Path(handle.name), actor=request.user, request=request
            )
        except IngestError as error:
            messages.error(request, str(error))
            return redirect("opinion:source", pk=source.pk)
    messages.success(
        request,
        _("读取%(read)s条，新入库%(accepted)s条，已有%(dup)s条，格式错误跳过%(bad)s条。")
        % {
            "read": report.read,
            "accepted": result.accepted,
            "dup": result.duplicates + report.skipped_duplicates,
            "bad": report.skipped_malformed,
        },
    )
    for line, reason in report.problems[:10]:
        messages.warning(request, _("第%(line)s行：%(reason)s") % {"line": line, "reason": reason})
    return redirect("opinion:source", pk=source.pk)


def ingest_file(
    source: Source, path: Path, *, actor=None, request=None, batch: int = 500
) -> tuple[IngestReport, ingest.IngestResult]:
    """Read a posts file with the engine's reader and ingest it in batches."""
    report = IngestReport(path=path.name, source=str(source.pk))
    total = ingest.IngestResult()
    pending: list[ingest.Item] = []
    now = timezone.now()

    def flush() -> None:
        result = ingest.ingest_posts(source, pending, actor=actor, request=request, via="file")
        total.received += result.received
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        pending.clear()

    for post in iter_posts(path, source=str(source.pk), report=report):
        if ingest.HTML_TAG.search(post.text):
            report.problem(0, _("正文含有 HTML 标签"))
            continue
        pending.append(
            ingest.Item(
                external_id=post.external_id[: ingest.MAX_ID],
                text=post.text[: ingest.MAX_TEXT],
                published_at=post.published_at or now,
                author=post.author[:100],
                url=post.url if post.url.startswith("http") else "",
            )
        )
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return report, total


# --- events ----------------------------------------------------------------------------------


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    events = (
        selectors.visible_events(request.user)
        .filter(subtree_q(region.code, "region_code"))
        .order_by("-last_seen")[:100]
    )
    return render(request, "opinion/events.html", {"region": region, "events": events})


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = access_object(selectors.visible_events(request.user), request.user, pk=pk)
    if not can(request.user, Capability.VIEW_OPINION, event.region_code):
        raise PermissionDenied
    posts = scoped(event.posts.all(), request.user)
    curve = selectors.timeline(posts, bucket="hour")
    if len(curve) > 24 * 14:
        curve = selectors.timeline(posts, bucket="day")
    return render(
        request,
        "opinion/event.html",
        {
            "event": event,
            "posts": posts.select_related("source").order_by("-published_at")[:50],
            "chart": {
                "x": [at.strftime("%m-%d %H:%M") for at, _n in curve],
                "y": [n for _at, n in curve],
            },
            "negative": posts.filter(sentiment="negative").count(),
            "risky": posts.exclude(risk_level="low").count(),
        },
    )


# --- alerts and tickets ----------------------------------------------------------------------


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    status = request.GET.get("status", OpinionAlert.Status.OPEN)
    if status not in OpinionAlert.Status.values:
        status = OpinionAlert.Status.OPEN
    alerts = (
        selectors.visible_alerts(request.user)
        .filter(subtree_q(region.code, "region_code"), status=status)
        .order_by("-created_at")[:200]
    )
    return render(
        request,
        "opinion/alerts.html",
        {
            "region": region,
            "alerts": alerts,
            "status": status,
            "statuses": OpinionAlert.Status.choices,
            "can_manage": _manage(request.user, region.code),
        },
    )


@login_required
@require_POST
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    alert = access_object(selectors.visible_alerts(request.user), request.user, pk=pk)
    try:
        services.alert_dismiss(actor=request.user, alert=alert, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("预警已排除。"))
    return redirect("opinion:alerts")


def _departments(user):
    return scoped(Department.objects.select_related("region"), user).order_by(
        "region__code", "kind", "name"
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    """Escalate a post or an alert (or a matter typed in) to a supervision ticket."""
    region = _region(request, Capability.MANAGE_OPINION)
    post = alert = None
    source_id = parse_id(request.GET.get("post") or request.POST.get("post"))
    alert_id = parse_id(request.GET.get("alert") or request.POST.get("alert"))
    if alert_id is not None:
        alert = access_object(selectors.visible_alerts(request.user), request.user, pk=alert_id)
        post = alert.post
    elif source_id is not None:
        post = access_object(Post.objects.all(), request.user, pk=source_id)
    departments = list(_departments(request.user))
    chosen = request.POST.get("department")
    department = next((d for d in departments if str(d.pk) == chosen), None)
    owners = services.owner_choices(department) if department else []
    if department is None and departments:
        owners = services.owner_choices(departments[0])
    initial = {}
    if post is not None:
        initial["title"] = (post.reasons[0]["text"] if post.reasons else post.text)[:60]
        initial["detail"] = _("请核实并处置以下信息，按时限回复：") + "\n" + post.text[:500]
    elif alert is not None:
        initial["title"] = alert.summary[:60]
    form = TicketForm(request.POST or None, initial=initial, departments=departments, owners=owners)
    if request.method == "POST" and "refresh" not in request.POST and form.is_valid():
        data = form.cleaned_data
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.filter(pk=data["owner"]).first()
        try:
            if department is None or owner is None:
                raise ValidationError(_("请选择承办部门和承办人"))
            ticket = services.ticket_create(
                actor=request.user,
                department=department,
                owner=owner,
                title=data["title"],
                detail=data["detail"],
                deadline=data["deadline"],
                post=post,
                alert=alert,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已交办：%(number)s") % {"number": ticket.number})
            return redirect("opinion:ticket", pk=ticket.pk)
    return render(
        request,
        "opinion/ticket_form.html",
        {"region": region, "form": form, "post": post, "alert": alert},
    )


@login_required
@require_GET
def ticket_list(request: HttpRequest) -> HttpResponse:
    region = current_region(request)
    user = request.user
    mine = request.GET.get("mine") == "1" or not (
        region and can(user, Capability.VIEW_OPINION, region.code)
    )
    tickets = selectors.visible_tickets(user)
    if mine:
        tickets = tickets.filter(owner=user)
    elif region is not None:
        tickets = tickets.filter(Q(subtree_q(region.code, "region_code")) | Q(owner=user))
    status = request.GET.get("status", "")
    if status == "overdue":
        tickets = tickets.filter(status=Ticket.Status.OPEN, deadline__lt=timezone.now())
    elif status in Ticket.Status.values:
        tickets = tickets.filter(status=status)
    return render(
        request,
        "opinion/tickets.html",
        {
            "tickets": tickets[:200],
            "mine": mine,
            "status": status,
            "now": timezone.now(),
            "statuses": Ticket.Status.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = access_object(selectors.visible_tickets(request.user), request.user, pk=pk)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["note"]
        action = request.POST.get("action")
        handlers = {
            "reply": lambda: services.ticket_reply(
                actor=request.user, ticket=ticket, reply=note, request=request
            ),
            "return": lambda: services.ticket_return(
                actor=request.user, ticket=ticket, note=note, request=request
            ),
            "close": lambda: services.ticket_close(
                actor=request.user, ticket=ticket, note=note, request=request
            ),
        }
        if action not in handlers:
            messages.error(request, _("未知操作"))
        else:
            try:
                handlers[action]()
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("已保存。"))
                return redirect("opinion:ticket", pk=ticket.pk)
    return render(
        request,
        "opinion/ticket.html",
        {
            "ticket": ticket,
            "steps": ticket.steps.select_related("actor"),
            "form": form,
            "can_reply": services.can_reply(request.user, ticket),
            "can_close": services.can_close(request.user, ticket),
            "now": timezone.now(),
        },
    )


# --- debunks ---------------------------------------------------------------------------------


@login_required
@require_GET
def debunk_list(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    debunks = selectors.visible_debunks(request.user).annotate(
        linked=Count("posts", filter=Q(posts__in=scoped(Post.objects.all(), request.user)))
    )
    return render(
        request,
        "opinion/debunks.html",
        {
            "region": region,
            "debunks": debunks.order_by("-linked", "-published_on")[:300],
            "can_manage": _manage(request.user, region.code),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def debunk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    debunk = access_object(selectors.visible_debunks(request.user), request.user, pk=pk)
    region = _region(request)
    can_publish = can(request.user, Capability.MANAGE_OPINION, region.code) and can(
        request.user, Capability.MANAGE_PUBLICITY, region.code
    )
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied
        try:
            announcement = services.debunk_publish(
                actor=request.user, debunk=debunk, region=region, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已发布为通告：%(a)s") % {"a": announcement})
        return redirect("opinion:debunk", pk=debunk.pk)
    posts = scoped(debunk.posts.all(), request.user).select_related("source")
    return render(
        request,
        "opinion/debunk.html",
        {
            "region": region,
            "debunk": debunk,
            "posts": posts.order_by("-published_at")[:100],
            "linked": posts.count(),
            "can_publish": can_publish and debunk.announced_at is None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def debunk_new(request: HttpRequest) -> HttpResponse:
    region = _region(request, Capability.MANAGE_OPINION)
    form = DebunkForm(
        request.POST or None,
        initial={"region": region.code, "published_on": timezone.localdate()},
        regions=_managed_regions(request.user, region),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            debunk = services.debunk_save(
                actor=request.user,
                region=access_object(Region.objects.all(), request.user, code=data["region"]),
                claim=data["claim"],
                rebuttal=data["rebuttal"],
                source=data["source"],
                authority=data["authority"],
                published_on=data["published_on"],
                url=data["url"],
                variants=data["variants"].splitlines(),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("已加入辟谣库。"))
            return redirect("opinion:debunk", pk=debunk.pk)
    return render(request, "opinion/debunk_form.html", {"region": region, "form": form})
