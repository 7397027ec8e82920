"""Supplies pages. Reading needs MANAGE_SUPPLIES at the region on screen; writing needs it at
the depot written to (the source of what goes out, the target of what comes in). Objects are
fetched through org.access, so a depot or a document outside the scope is a 404."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qunfang.core import spreadsheets
from qunfang.core.audit import audit_record
from qunfang.core.errors import attach_errors
from qunfang.core.formfields import parse_id
from qunfang.core.idcard import age_on
from qunfang.core.ledgers import ledger_import
from qunfang.core.models import AuditEvent
from qunfang.core.spreadsheets import SpreadsheetError, write_csv, write_template, write_xlsx
from qunfang.org.access import access_object, can, scope_for, scoped, subtree_q
from qunfang.org.current import current_region
from qunfang.org.models import Region
from qunfang.org.roles import Capability
from qunfang.residents.models import Household, Person
from qunfang.supplies import ledgers, selectors, services, stats
from qunfang.supplies.forms import (
    DepotForm,
    DistributionForm,
    DonationForm,
    ImportForm,
    LineFormSet,
    ProcurementForm,
    ReceiveForm,
    ThresholdForm,
    TransferForm,
    WindowForm,
)
from qunfang.supplies.models import NEAR_EXPIRY_DAYS, Depot, Item, Movement
from qunfang.supplies.services import LineInput

PAGE_SIZE = 50
MANAGE = Capability.MANAGE_SUPPLIES


def _reading_region(request: HttpRequest) -> Region:
    region = current_region(request)
    if region is None or not can(request.user, MANAGE, region.code):
        raise PermissionDenied
    return region


def _require_manage(user, region: Region) -> None:
    if not can(user, MANAGE, region.code):
        raise PermissionDenied


def _picked(form: Form, field: str, queryset, user):
    """The scoped row a picker names, or None; a key outside the scope is a 404."""
    form.is_valid()
    pk = form.cleaned_data.get(field)
    if pk is None:
        return None
    return access_object(queryset, user, pk=pk)


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _depot_options(user, region: Region) -> list[tuple[int, str]]:
    return [
        (d.pk, f"{d.name}（{d.region.display_name}）")
        for d in selectors.depots_managed(user, region=region)
    ]


def _item_options() -> list[tuple[int, str]]:
    return [(i.pk, str(i)) for i in selectors.item_choices()]


def _lines(formset, items: dict[int, Item]) -> list[LineInput]:
    return [
        LineInput(
            item=items[row["item"]],
            quantity=row["quantity"],
            lot_no=row.get("lot_no") or "",
            expires_on=row.get("expires_on"),
            unit_price=row.get("unit_price"),
        )
        for row in formset.filled()
        if row["item"] in items
    ]


def _line_errors(formset, error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return error.message_dict.get("lines", [])
    return []


def _document_page(request, *, form, formset, title, kind, line_errors=()) -> HttpResponse:
    return render(
        request,
        "supplies/document_form.html",
        {
            "form": form,
            "formset": formset,
            "title": title,
            "kind": kind,
            "line_errors": line_errors,
            "elderly_age": stats.ELDERLY_AGE,
        },
        status=400 if request.method == "POST" else 200,
    )


def _save_document(
    request, form, formset, store, *, renames: dict[str, str] | None = None
) -> tuple[Movement | None, list[str]]:
    """Run `store(data, lines)` when the form and its lines parse; service errors go to the
    form (header fields) and to the list above the lines."""
    if not (form.is_valid() and formset.is_valid()):
        return None, []
    items = Item.objects.in_bulk([row["item"] for row in formset.filled()])
    try:
        return store(form.cleaned_data, _lines(formset, items)), []
    except ValidationError as error:
        line_errors = _line_errors(formset, error)
        if hasattr(error, "error_dict"):
            renames = renames or {}
            rest = {renames.get(k, k): v for k, v in error.message_dict.items() if k != "lines"}
            if rest:
                attach_errors(form, ValidationError(rest))
        else:
            attach_errors(form, error)
        return None, line_errors


# --- overview, stock, expiry -----------------------------------------------------------------


@require_GET
@login_required
def overview(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    window = WindowForm(request.GET or None)
    start = end = None
    if window.is_valid():
        start, end = window.cleaned_data["start"], window.cleaned_data["end"]
    summary = stats.supplies_summary(request.user, region, start, end)
    categories = stats.by_category(request.user, region, start, end)
    chart = {
        "categories": [row.label for row in categories],
        "received": [float(row.received) for row in categories],
        "distributed": [float(row.distributed) for row in categories],
        "labels": {"received": _("接收"), "distributed": _("发放")},
    }
    return render(
        request,
        "supplies/overview.html",
        {
            "region": region,
            "window": window,
            "summary": summary,
            "approx": stats.approximate(summary.received),
            "categories": categories,
            "items": stats.by_item(request.user, region, start, end),
            "regions": stats.per_region(request.user, region, start, end),
            "chart": chart,
            "received": services.format_quantity(summary.received),
            "by_convoy": services.format_quantity(summary.received_by_convoy),
            "distributed": services.format_quantity(summary.distributed),
            "to_villages": services.format_quantity(summary.to_villages),
        },
    )


@require_GET
@login_required
def stock(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    low_only = request.GET.get("show") == "low"
    rows = selectors.stock_rows(request.user, region=region, low_only=low_only)
    return render(
        request,
        "supplies/stock.html",
        {"region": region, "rows": rows, "low_only": low_only},
    )


@require_GET
@login_required
def expiry(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    rows = selectors.lot_rows(request.user, region=region, expiring_only=True)
    return render(
        request,
        "supplies/expiry.html",
        {"region": region, "rows": rows, "near_days": NEAR_EXPIRY_DAYS},
    )


# --- depots ----------------------------------------------------------------------------------


@require_GET
@login_required
def depot_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    depots = selectors.depot_list(request.user, region=region)
    return render(
        request,
        "supplies/depot_list.html",
        {"region": region, "depots": depots},
    )


@require_GET
@login_required
def depot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    depot = access_object(Depot.objects.select_related("region"), request.user, pk=pk)
    _require_manage(request.user, depot.region)
    return render(
        request,
        "supplies/depot_detail.html",
        {
            "depot": depot,
            "rows": selectors.stock_rows(request.user, depot=depot),
            "lots": selectors.lot_rows(request.user, depot=depot),
            "movements": selectors.movement_list(request.user).filter(
                Q(source=depot) | Q(target=depot)
            )[:20],
            "threshold_form": ThresholdForm(options={"item": _item_options()}),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def depot_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    regions = [
        r
        for r in scoped(Region.objects.filter(subtree_q(region.code)), request.user)
        .filter(level__in=services.DEPOT_LEVELS)
        .order_by("code")
        if can(request.user, MANAGE, r.code)
    ]
    options = {"region": [(r.pk, r.display_name) for r in regions]}
    form = DepotForm(request.POST or None, options=options)
    if request.method == "POST":
        picked = _picked(form, "region", Region.objects.all(), request.user)
        if picked is not None:
            _require_manage(request.user, picked)
        if form.is_valid():
            try:
                depot = services.depot_create(
                    actor=request.user,
                    region=picked,
                    name=form.cleaned_data["name"],
                    keeper=form.cleaned_data["keeper"],
                    address=form.cleaned_data["address"],
                )
            except ValidationError as error:
                attach_errors(form, error)
            else:
                messages.success(request, _("已建立物资仓库。"))
                return redirect("supplies:depot", pk=depot.pk)
    return render(
        request,
        "supplies/form.html",
        {"form": form, "title": _("建立物资仓库"), "back": "supplies:depots"},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def threshold_set(request: HttpRequest, pk: int) -> HttpResponse:
    depot = access_object(Depot.objects.select_related("region"), request.user, pk=pk)
    _require_manage(request.user, depot.region)
    form = ThresholdForm(request.POST, options={"item": _item_options()})
    item = (
        Item.objects.filter(pk=form.cleaned_data.get("item")).first() if form.is_valid() else None
    )
    if item is None:
        messages.error(request, _("请选择物资并填写最低库存。"))
        return redirect("supplies:depot", pk=depot.pk)
    try:
        services.threshold_set(
            actor=request.user, depot=depot, item=item, minimum=form.cleaned_data["minimum"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已设置库存下限。"))
    return redirect("supplies:depot", pk=depot.pk)


# --- movements -------------------------------------------------------------------------------


@require_GET
@login_required
def movement_list(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    kind = request.GET.get("kind", "")
    if kind not in Movement.Kind.values:
        kind = ""
    status = request.GET.get("status", "")
    if status not in Movement.Status.values:
        status = ""
    movements = selectors.movement_list(
        request.user, region=region, kind=kind, status=status
    ).prefetch_related("lines__item")
    extra = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("status", status)) if v)
    return render(
        request,
        "supplies/movement_list.html",
        {
            "region": region,
            "page": _page(request, movements),
            "kind": kind,
            "status": status,
            "kinds": Movement.Kind.choices,
            "extra": extra,
            "in_transit": selectors.in_transit_to(request.user, region=region),
        },
    )


@require_GET
@login_required
def movement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    movement = access_object(
        selectors.movement_visible(request.user).select_related(
            "region",
            "source__region",
            "target__region",
            "household",
            "person",
            "created_by",
            "received_by",
        ),
        request.user,
        pk=pk,
    )
    ends = [movement.region] + ([movement.source.region] if movement.source else [])
    if not any(can(request.user, MANAGE, end.code) for end in ends):
        raise PermissionDenied
    can_receive = (
        movement.kind == Movement.Kind.TRANSFER
        and movement.status == Movement.Status.IN_TRANSIT
        and can(request.user, MANAGE, movement.target.region.code)
    )
    return render(
        request,
        "supplies/movement_detail.html",
        {
            "movement": movement,
            "lines": movement.lines.select_related("item"),
            "vehicles": movement.vehicles.all(),
            "can_receive": can_receive,
            "receive_form": ReceiveForm(),
        },
    )


@require_POST
@login_required
def transfer_receive(request: HttpRequest, pk: int) -> HttpResponse:
    movement = access_object(
        selectors.movement_visible(request.user).select_related("target__region"),
        request.user,
        pk=pk,
    )
    if movement.target is None:
        raise Http404
    _require_manage(request.user, movement.target.region)
    form = ReceiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效时间，如 2020-02-05 08:30。"))
        return redirect("supplies:movement", pk=movement.pk)
    try:
        services.transfer_receive(
            actor=request.user, movement=movement, arrived_at=form.cleaned_data["arrived_at"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已接收入库：%(depot)s") % {"depot": movement.target.name})
    return redirect("supplies:movement", pk=movement.pk)


def _header_depot(form, user) -> Depot | None:
    depot = _picked(form, "depot", Depot.objects.select_related("region"), user)
    if depot is not None:
        _require_manage(user, depot.region)
    return depot


@require_http_methods(["GET", "POST"])
@login_required
def donation_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    options = {"depot": _depot_options(request.user, region)}
    lines_options = {"item": _item_options()}
    title = _("登记捐赠入库")
    if request.method == "GET":
        form = DonationForm(options=options, initial={"occurred_on": timezone.localdate()})
        formset = LineFormSet(prefix="lines", options=lines_options)
        return _document_page(request, form=form, formset=formset, title=title, kind="donation")
    form = DonationForm(request.POST, options=options)
    formset = LineFormSet(request.POST, prefix="lines", options=lines_options)
    depot = _header_depot(form, request.user)

    def store(data, lines):
        return services.donation_record(
            actor=request.user,
            depot=depot,
            donor=data["donor"],
            certificate_no=data["certificate_no"],
            occurred_on=data["occurred_on"],
            lines=lines,
            note=data["note"],
        )

    movement, line_errors = _save_document(request, form, formset, store)
    if movement is not None:
        messages.success(request, _("已登记捐赠入库 %(number)s。") % {"number": movement.number})
        return redirect("supplies:movement", pk=movement.pk)
    return _document_page(
        request, form=form, formset=formset, title=title, kind="donation", line_errors=line_errors
    )


@require_http_methods(["GET", "POST"])
@login_required
def procurement_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    options = {"depot": _depot_options(request.user, region)}
    lines_options = {"item": _item_options()}
    title = _("登记采购入库")
    if request.method == "GET":
        form = ProcurementForm(options=options, initial={"occurred_on": timezone.localdate()})
        formset = LineFormSet(prefix="lines", options=lines_options)
        return _document_page(request, form=form, formset=formset, title=title, kind="procurement")
    form = ProcurementForm(request.POST, options=options)
    formset = LineFormSet(request.POST, prefix="lines", options=lines_options)
    depot = _header_depot(form, request.user)

    def store(data, lines):
        return services.procurement_record(
            actor=request.user,
            depot=depot,
            supplier=data["supplier"],
            occurred_on=data["occurred_on"],
            lines=lines,
            note=data["note"],
        )

    movement, line_errors = _save_document(request, form, formset, store)
    if movement is not None:
        messages.success(request, _("已登记采购入库 %(number)s。") % {"number": movement.number})
        return redirect("supplies:movement", pk=movement.pk)
    return _document_page(
        request,
        form=form,
        formset=formset,
        title=title,
        kind="procurement",
        line_errors=line_errors,
    )


@require_http_methods(["GET", "POST"])
@login_required
def transfer_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    options = {
        "from_depot": _depot_options(request.user, region),
        "to_depot": [
            (d.pk, f"{d.name}（{d.region.display_name}）")
            for d in selectors.transfer_targets(request.user)
        ],
    }
    lines_options = {"item": _item_options()}
    title = _("调拨运输（车队）")
    if request.method == "GET":
        initial = {"occurred_on": timezone.localdate()}
        if (source := parse_id(request.GET.get("source"))) is not None:
            initial["from_depot"] = source
        form = TransferForm(options=options, initial=initial)
        formset = LineFormSet(prefix="lines", options=lines_options)
        return _document_page(request, form=form, formset=formset, title=title, kind="transfer")
    form = TransferForm(request.POST, options=options)
    formset = LineFormSet(request.POST, prefix="lines", options=lines_options)
    source = _picked(form, "from_depot", Depot.objects.select_related("region"), request.user)
    if source is not None:
        _require_manage(request.user, source.region)
    # The target is resolved without the scope: the service answers an out-of-scope depot with
    # a message (the same one as for a missing depot) and writes nothing.
    target_pk = form.cleaned_data.get("to_depot") if form.is_valid() else None
    target = Depot.objects.select_related("region").filter(pk=target_pk).first()
    if source is None and target is not None and scope_for(request.user).covers(target.region.code):
        _require_manage(request.user, target.region)

    def store(data, lines):
        return services.transfer_dispatch(
            actor=request.user,
            source=source,
            target=target,
            origin=data["origin"],
            leader_name=data["leader_name"],
            leader_phone=data["leader_phone"],
            occurred_on=data["occurred_on"],
            departed_at=data["departed_at"],
            vehicles=form.vehicle_pairs(),
            lines=lines,
            note=data["note"],
        )

    movement = None
    line_errors: list[str] = []
    if target is None and form.is_valid():
        form.add_error("to_depot", _(services.TARGET_OUT_OF_SCOPE))
    else:
        movement, line_errors = _save_document(request, form, formset, store)
    if movement is not None:
        messages.success(request, _("已发车，物资在途：%(number)s。") % {"number": movement.number})
        return redirect("supplies:movement", pk=movement.pk)
    return _document_page(
        request, form=form, formset=formset, title=title, kind="transfer", line_errors=line_errors
    )


def _household_options(user, region: Region) -> list[tuple[int, str]]:
    return [
        (h.pk, " · ".join(filter(None, [h.region.display_name, h.register_no, h.address])))
        for h in selectors.household_choices(user, region=region)
    ]


def _person_options(user, region: Region, *, elderly: bool = False) -> list[tuple[int, str]]:
    today = timezone.localdate()
    return [
        (
            p.pk,
            " · ".join(
                [
                    p.region.display_name,
                    p.name,
                    _("%(age)s岁") % {"age": age_on(p.birth_date, today)},
                ]
            ),
        )
        for p in selectors.person_choices(
            user, region=region, elderly_age=stats.ELDERLY_AGE if elderly else 0
        )
    ]


@require_http_methods(["GET", "POST"])
@login_required
def distribution_create(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    options = {
        "depot": _depot_options(request.user, region),
        "household": _household_options(request.user, region),
        "person": _person_options(request.user, region, elderly=request.GET.get("elderly") == "1"),
    }
    lines_options = {"item": _item_options()}
    title = _("发放物资")
    if request.method == "GET":
        initial = {"occurred_on": timezone.localdate()}
        for key in ("depot", "person", "household"):
            if (picked := parse_id(request.GET.get(key))) is not None:
                initial[key] = picked
        if request.GET.get("recipient_kind") in Movement.Recipient.values:
            initial["recipient_kind"] = request.GET["recipient_kind"]
        form = DistributionForm(options=options, initial=initial)
        formset = LineFormSet(prefix="lines", options=lines_options)
        return _document_page(request, form=form, formset=formset, title=title, kind="distribution")
    form = DistributionForm(request.POST, options=options)
    formset = LineFormSet(request.POST, prefix="lines", options=lines_options)
    depot = _header_depot(form, request.user)
    kind = form.cleaned_data.get("recipient_kind") if form.is_valid() else None
    household = person = None
    if kind == Movement.Recipient.HOUSEHOLD:
        household = _picked(
            form, "household", Household.objects.select_related("region"), request.user
        )
    elif kind == Movement.Recipient.PERSON:
        person = _picked(
            form, "person", Person.objects.select_related("region", "household"), request.user
        )

    def store(data, lines):
        return services.distribution_record(
            actor=request.user,
            depot=depot,
            occurred_on=data["occurred_on"],
            recipient_kind=data["recipient_kind"],
            household=household,
            person=person,
            unit_name=data["unit_name"],
            channel=data["channel"],
            lines=lines,
            note=data["note"],
        )

    movement, line_errors = _save_document(request, form, formset, store)
    if movement is not None:
        messages.success(request, _("已发放 %(number)s。") % {"number": movement.number})
        return redirect("supplies:movement", pk=movement.pk)
    return _document_page(
        request,
        form=form,
        formset=formset,
        title=title,
        kind="distribution",
        line_errors=line_errors,
    )


# --- spreadsheets ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def import_donations(request: HttpRequest) -> HttpResponse:
    region = _reading_region(request)
    result = None
    file_error = ""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > spreadsheets.MAX_BYTES:
                raise SpreadsheetError(
                    f"文件超过 {spreadsheets.MAX_BYTES // (1024 * 1024)} MB，请拆分后分批导入"
                )
            result = ledger_import(
                actor=request.user,
                region=region,
                ledger_name=ledgers.DONATIONS.name,
                data=upload.read(),
                filename=upload.name,
                valid_only=form.cleaned_data["valid_only"],
                request=request,
            )
        except SpreadsheetError as error:
            file_error = str(error)
    failed = form.errors or file_error or (result and result.errors and not result.written)
    return render(
        request,
        "supplies/import.html",
        {"region": region, "form": form, "result": result, "file_error": file_error},
        status=400 if failed else 200,
    )


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def donation_template(request: HttpRequest) -> HttpResponse:
    _reading_region(request)
    response = HttpResponse(write_template(ledgers.DONATIONS), content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"{ledgers.DONATIONS.title}模板.xlsx")
    return response


EXPORTS = {
    "stock": ("库存台账", ledgers.export_stock),
    "movements": ("物资出入库记录", ledgers.export_movements),
    "donations": (
        ledgers.DONATIONS.title,
        lambda user, region: ledgers.export_donations(user, region),
    ),
}


@require_GET
@login_required
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    region = _reading_region(request)
    if name not in EXPORTS or fmt not in ("xlsx", "csv"):
        raise Http404
    title, build = EXPORTS[name]
    headers, rows = build(request.user, region)
    rows = list(rows)
    now = timezone.localtime()
    watermark = (
        f"导出人：{request.user.get_username()}  导出时间：{now:%Y-%m-%d %H:%M}  "
        f"{region.display_name}"
    )
    audit_record(
        action=AuditEvent.Action.EXPORT,
        actor=request.user,
        target=f"{title} {len(rows)}行",
        region_code=region.code,
        request=request,
        detail={"export": name, "rows": len(rows), "format": fmt},
    )
    filename = f"{title}-{region.display_name}-{now:%Y%m%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            write_csv(headers, rows, watermark=watermark), content_type="text/csv"
        )
    else:
        response = HttpResponse(
            write_xlsx(headers, rows, title=title, watermark=watermark), content_type=XLSX
        )
    response["Content-Disposition"] = _attachment(filename)
    return response
