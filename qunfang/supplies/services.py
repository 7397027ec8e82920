"""Writes of the supplies line. Each service validates, stores the document, writes its stock
entries and an audit row in one transaction; a refusal writes nothing.

Callers check that the actor may act at the depot the document belongs to (org.access); the
services check the data, including that a transfer's target depot lies in the actor's scope,
because a target is picked from a list and a tampered form must get a message, not a write.

Whatever takes stock out of a depot first locks the depot's row (SELECT … FOR UPDATE on
PostgreSQL), so two hand-outs of the last boxes cannot both see them; SQLite serialises
writers by itself.
"""

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from qunfang.core.audit import audit_record
from qunfang.core.crypto import encrypt
from qunfang.core.idcard import mask_phone, parse_phone
from qunfang.core.models import AuditEvent
from qunfang.org.access import scope_for
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.residents.models import Household, Person
from qunfang.supplies.models import (
    ConvoyVehicle,
    Depot,
    Item,
    Movement,
    MovementLine,
    StockEntry,
    StockThreshold,
)

NO_LINES = gettext_noop("请至少填写一种物资及数量。")
QUANTITY_NOT_POSITIVE = gettext_noop("“{item}”的数量必须大于 0。")
QUANTITY_NOT_WHOLE = gettext_noop("“{item}”按{unit}计，数量必须是整数，不能有小数。")
QUANTITY_TOO_PRECISE = gettext_noop("“{item}”的数量最多保留三位小数。")
QUANTITY_TOO_LARGE = gettext_noop("“{item}”的数量过大，请核对。")
PRICE_NEGATIVE = gettext_noop("“{item}”的单价不能为负数。")
EXPIRED_ON_ARRIVAL = gettext_noop("“{item}”批号{lot}已过有效期（{date}），不能入库。")
INSUFFICIENT = gettext_noop(
    "“{item}”库存不足：{depot}现有可用{available}{unit}，本次需要{wanted}{unit}。"
)
DEPOT_INACTIVE = gettext_noop("仓库“{depot}”已停用。")
DEPOT_LEVEL = gettext_noop("仓库只能设在区县、乡镇街道或村（社区）。")
DEPOT_NAME_REQUIRED = gettext_noop("请填写仓库名称。")
DEPOT_NAME_TAKEN = gettext_noop("该区域已有同名仓库。")
TARGET_OUT_OF_SCOPE = gettext_noop("调入仓库不存在或不在您的管辖范围内，不能调拨。")
TARGET_REQUIRED = gettext_noop("请选择调入仓库。")
SAME_DEPOT = gettext_noop("调出仓库与调入仓库不能相同。")
ORIGIN_REQUIRED = gettext_noop("外地运入的车队请填写起运地。")
LEADER_REQUIRED = gettext_noop("请填写运输领队。")
VEHICLE_REQUIRED = gettext_noop("外地运入的车队请至少登记一辆车的车牌号。")
PLATE_INVALID = gettext_noop("车牌号“{plate}”格式不正确，应如 晋E12345。")
PLATE_DUPLICATE = gettext_noop("车牌号“{plate}”重复登记。")
ARRIVAL_BEFORE_DEPARTURE = gettext_noop("到达时间不能早于出发时间。")
ALREADY_RECEIVED = gettext_noop("该批物资已于 {when} 由 {who} 接收入库，不能重复接收。")
NOT_A_TRANSFER = gettext_noop("只有调拨运输的物资需要接收。")
DONOR_REQUIRED = gettext_noop("请填写捐赠方。")
CERTIFICATE_TAKEN = gettext_noop("捐赠证书编号“{number}”已登记，请勿重复入库。")
SUPPLIER_REQUIRED = gettext_noop("请填写供应商。")
RECIPIENT_INVALID = gettext_noop("请选择发放对象：农户/家庭、个人或单位。")
HOUSEHOLD_REQUIRED = gettext_noop("请选择领取物资的户。")
PERSON_REQUIRED = gettext_noop("请选择领取物资的人员。")
PERSON_GONE = gettext_noop("该人员已迁出或死亡，不能发放。")
UNIT_REQUIRED = gettext_noop("请填写接收单位名称（如区新闻中心）。")
RECIPIENT_OUT_OF_SCOPE = gettext_noop("领取人不在该仓库的服务范围内。")
DATE_IN_FUTURE = gettext_noop("日期不能晚于今天。")
THRESHOLD_NEGATIVE = gettext_noop("最低库存不能为负数。")

# Civil and new-energy plates: province, letter, five or six letters/digits (no I or O).
PLATE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$"
)
MAX_QUANTITY = Decimal("99999999999")
DEPOT_LEVELS = (Level.COUNTY, Level.TOWN, Level.VILLAGE)


@dataclass(frozen=True)
class LineInput:
    """One line of a document as entered: what, how much and, coming in, which lot."""

    item: Item
    quantity: Decimal
    lot_no: str = ""
    expires_on: dt.date | None = None
    unit_price: Decimal | None = None


def format_quantity(value: Decimal | int | None) -> str:
    """1000000 rather than 1000000.000; 2.5 rather than 2.500."""
    if value is None:
        return "0"
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _fail(message: str, field: str = "__all__") -> ValidationError:
    return ValidationError({field: [message]})


def _check_date(day: dt.date) -> None:
    if day > timezone.localdate():
        raise _fail(_(DATE_IN_FUTURE), "occurred_on")


def quantity_problem(item: Item, quantity) -> str:
    """The Chinese reason a quantity is unacceptable for `item`, or "" when it is fine."""
    try:
        value = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError):
        return _(QUANTITY_NOT_POSITIVE).format(item=item.name)
    if not value.is_finite() or value <= 0:
        return _(QUANTITY_NOT_POSITIVE).format(item=item.name)
    if value > MAX_QUANTITY:
        return _(QUANTITY_TOO_LARGE).format(item=item.name)
    if not item.fractional and value != value.to_integral_value():
        return _(QUANTITY_NOT_WHOLE).format(item=item.name, unit=item.unit)
    if value != value.quantize(Decimal("0.001")):
        return _(QUANTITY_TOO_PRECISE).format(item=item.name)
    return ""


def _check_lines(lines: Sequence[LineInput]) -> None:
    if not lines:
        raise _fail(_(NO_LINES), "lines")
    problems = [p for p in (quantity_problem(line.item, line.quantity) for line in lines) if p]
    problems += [
        _(PRICE_NEGATIVE).format(item=line.item.name)
        for line in lines
        if line.unit_price is not None and line.unit_price < 0
    ]
    if problems:
        raise ValidationError({"lines": problems})


def _incoming_lines(lines: Sequence[LineInput], received_on: dt.date) -> list[LineInput]:
    """Lines coming from outside: a supply with a shelf life gets an expiry date (the one
    given, else the receiving day plus its shelf life), and nothing expired is taken in."""
    _check_lines(lines)
    prepared: list[LineInput] = []
    problems: list[str] = []
    for line in lines:
        expires_on = line.expires_on
        if expires_on is None and line.item.shelf_life_days:
            expires_on = received_on + dt.timedelta(days=line.item.shelf_life_days)
        if expires_on is not None and expires_on < received_on:
            problems.append(
                _(EXPIRED_ON_ARRIVAL).format(
                    item=line.item.name, lot=line.lot_no or "—", date=expires_on.isoformat()
                )
            )
        prepared.append(
            LineInput(
                item=line.item,
                quantity=Decimal(line.quantity),
                lot_no=(line.lot_no or "").strip(),
                expires_on=expires_on,
                unit_price=line.unit_price,
            )
        )
    if problems:
        raise ValidationError({"lines": problems})
    return prepared


def _check_depot(depot: Depot) -> None:
    if not depot.is_active:
        raise _fail(_(DEPOT_INACTIVE).format(depot=depot.name), "depot")


def _lock(depot: Depot) -> Depot:
    return Depot.objects.select_for_update().get(pk=depot.pk)


def _available_lots(depot: Depot, item: Item, on: dt.date) -> list[dict]:
    """The lots of `item` in `depot` with stock left and not expired on `on`, first
    expiring first (FEFO); lots without an expiry date last."""
    lots = (
        StockEntry.objects.filter(depot=depot, item=item)
        .values("lot_no", "expires_on")
        .annotate(balance=Sum("quantity"))
        .filter(balance__gt=0)
        .order_by(F("expires_on").asc(nulls_last=True), "lot_no")
    )
    return [lot for lot in lots if lot["expires_on"] is None or lot["expires_on"] >= on]


def _allocate(depot: Depot, lines: Sequence[LineInput], on: dt.date) -> list[LineInput]:
    """Split the requested quantities over the depot's lots, or refuse with every shortage.
    The caller holds the depot's lock."""
    _check_lines(lines)
    wanted: dict[int, Decimal] = {}
    items: dict[int, Item] = {}
    for line in lines:
        wanted[line.item.pk] = wanted.get(line.item.pk, Decimal(0)) + Decimal(line.quantity)
        items[line.item.pk] = line.item
    allocated: list[LineInput] = []
    shortages: list[str] = []
    for item_pk, quantity in wanted.items():
        item = items[item_pk]
        lots = _available_lots(depot, item, on)
        available = sum((lot["balance"] for lot in lots), Decimal(0))
        if available < quantity:
            shortages.append(
                _(INSUFFICIENT).format(
                    item=item.name,
                    depot=depot.name,
                    available=format_quantity(available),
                    wanted=format_quantity(quantity),
                    unit=item.unit,
                )
            )
            continue
        left = quantity
        for lot in lots:
            if left <= 0:
                break
            take = min(left, lot["balance"])
            allocated.append(
                LineInput(
                    item=item, quantity=take, lot_no=lot["lot_no"], expires_on=lot["expires_on"]
                )
            )
            left -= take
    if shortages:
        raise ValidationError({"lines": shortages})
    return allocated


def _store_lines(movement: Movement, lines: Sequence[LineInput]) -> list[MovementLine]:
    return MovementLine.objects.bulk_create(
        [
            MovementLine(
                movement=movement,
                item=line.item,
                quantity=line.quantity,
                lot_no=line.lot_no,
                expires_on=line.expires_on,
                unit_price=line.unit_price,
            )
            for line in lines
        ]
    )


def _post(
    movement: Movement,
    depot: Depot,
    lines: Sequence[LineInput],
    sign: int,
    on: dt.date | None = None,
) -> None:
    """Write the ledger entries of `lines` at `depot`: +1 in, -1 out, dated `on` (the
    movement's date unless given: a convoy enters stock on the day it arrives)."""
    StockEntry.objects.bulk_create(
        [
            StockEntry(
                depot=depot,
                item=line.item,
                movement=movement,
                lot_no=line.lot_no,
                expires_on=line.expires_on,
                quantity=sign * Decimal(line.quantity),
                occurred_on=on or movement.occurred_on,
            )
            for line in lines
        ]
    )


def _audit(actor, movement: Movement, action: str, extra: dict | None = None) -> None:
    lines = list(movement.lines.select_related("item"))
    audit_record(
        action=action,
        actor=actor,
        target=f"{movement.get_kind_display()} {movement.number}",
        region_code=movement.region.code,
        detail={
            "kind": movement.kind,
            "status": movement.status,
            "source": movement.source_id,
            "target": movement.target_id,
            "lines": [[line.item.name, format_quantity(line.quantity)] for line in lines],
            **(extra or {}),
        },
    )


def _save(movement: Movement) -> Movement:
    movement.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            movement.save()
    except IntegrityError:
        if movement.certificate_no:
            raise _fail(
                _(CERTIFICATE_TAKEN).format(number=movement.certificate_no), "certificate_no"
            ) from None
        raise
    return movement


# --- depots and thresholds -------------------------------------------------------------------


@transaction.atomic
def depot_create(*, actor, region: Region, name: str, keeper: str = "", address: str = "") -> Depot:
    """Set up a depot at a district, town or village."""
    name = (name or "").strip()
    if region.level not in DEPOT_LEVELS:
        raise _fail(_(DEPOT_LEVEL), "region")
    if not name:
        raise _fail(_(DEPOT_NAME_REQUIRED), "name")
    if Depot.objects.filter(region=region, name=name).exists():
        raise _fail(_(DEPOT_NAME_TAKEN), "name")
    depot = Depot.objects.create(
        region=region, name=name, keeper=(keeper or "").strip(), address=(address or "").strip()
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=actor,
        target=f"物资仓库 {depot.name}",
        region_code=region.code,
        detail={"depot": depot.pk},
    )
    return depot


@transaction.atomic
def threshold_set(*, actor, depot: Depot, item: Item, minimum: Decimal) -> StockThreshold:
    """Set the least `depot` should hold of `item`; 0 removes the alert."""
    if minimum is None or Decimal(minimum) < 0:
        raise _fail(_(THRESHOLD_NEGATIVE), "minimum")
    if minimum and quantity_problem(item, minimum):
        raise _fail(quantity_problem(item, minimum), "minimum")
    threshold, _created = StockThreshold.objects.update_or_create(
        depot=depot, item=item, defaults={"minimum": minimum}
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=actor,
        target=f"库存下限 {depot.name} {item.name}",
        region_code=depot.region.code,
        detail={"minimum": format_quantity(minimum)},
    )
    return threshold


# --- supplies coming in ----------------------------------------------------------------------


@transaction.atomic
def donation_record(
    *,
    actor,
    depot: Depot,
    donor: str,
    certificate_no: str = "",
    occurred_on: dt.date,
    lines: Sequence[LineInput],
    note: str = "",
) -> Movement:
    """Take a donation into `depot`; the certificate number (捐赠证书) is unique."""
    donor, certificate_no = (donor or "").strip(), (certificate_no or "").strip()
    _check_depot(depot)
    _check_date(occurred_on)
    if not donor:
        raise _fail(_(DONOR_REQUIRED), "donor")
    if certificate_no and Movement.objects.filter(certificate_no=certificate_no).exists():
        raise _fail(_(CERTIFICATE_TAKEN).format(number=certificate_no), "certificate_no")
    prepared = _incoming_lines(lines, occurred_on)
    movement = _save(
        Movement(
            kind=Movement.Kind.DONATION,
            status=Movement.Status.DONE,
            region=depot.region,
            target=depot,
            occurred_on=occurred_on,
            donor=donor,
            certificate_no=certificate_no,
            note=(note or "").strip(),
            created_by=actor,
        )
    )
    _store_lines(movement, prepared)
    _post(movement, depot, prepared, +1)
    _audit(
        actor, movement, AuditEvent.Action.CREATE, {"donor": donor, "certificate": certificate_no}
    )
    return movement


@transaction.atomic
def procurement_record(
    *,
    actor,
    depot: Depot,
    supplier: str,
    occurred_on: dt.date,
    lines: Sequence[LineInput],
    note: str = "",
) -> Movement:
    """Take purchased supplies into `depot`, with the supplier and unit prices."""
    supplier = (supplier or "").strip()
    _check_depot(depot)
    _check_date(occurred_on)
    if not supplier:
        raise _fail(_(SUPPLIER_REQUIRED), "supplier")
    prepared = _incoming_lines(lines, occurred_on)
    movement = _save(
        Movement(
            kind=Movement.Kind.PROCUREMENT,
            status=Movement.Status.DONE,
            region=depot.region,
            target=depot,
            occurred_on=occurred_on,
            supplier=supplier,
            note=(note or "").strip(),
            created_by=actor,
        )
    )
    _store_lines(movement, prepared)
    _post(movement, depot, prepared, +1)
    _audit(actor, movement, AuditEvent.Action.CREATE, {"supplier": supplier})
    return movement


# --- transfers and convoys -------------------------------------------------------------------


def _vehicles(vehicles: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned: list[tuple[str, str]] = []
    problems: list[str] = []
    seen: set[str] = set()
    for plate, driver in vehicles:
        plate = re.sub(r"[\s·•\-]", "", plate or "").upper()
        if not plate:
            continue
        if not PLATE.match(plate):
            problems.append(_(PLATE_INVALID).format(plate=plate))
        elif plate in seen:
            problems.append(_(PLATE_DUPLICATE).format(plate=plate))
        seen.add(plate)
        cleaned.append((plate, (driver or "").strip()[:50]))
    if problems:
        raise ValidationError({"vehicles": problems})
    return cleaned


def _default_departure(day: dt.date) -> dt.datetime:
    """Now for a convoy leaving today; 08:00 of an earlier day entered afterwards."""
    if day >= timezone.localdate():
        return timezone.now()
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))


@transaction.atomic
def transfer_dispatch(
    *,
    actor,
    target: Depot | None,
    occurred_on: dt.date,
    lines: Sequence[LineInput],
    source: Depot | None = None,
    origin: str = "",
    leader_name: str = "",
    leader_phone: str = "",
    departed_at: dt.datetime | None = None,
    vehicles: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> Movement:
    """Send supplies to `target` by convoy; they are in transit until the target receives them.

    From a depot (`source`), the quantities leave its stock now, lot by lot, first expiring
    first; from outside the district (no source: `origin`, a convoy leader and at least one
    vehicle), the lines carry their own lots. The target must lie in the actor's scope.
    """
    origin, leader_name = (origin or "").strip(), (leader_name or "").strip()
    if target is None:
        raise _fail(_(TARGET_REQUIRED), "target")
    if not scope_for(actor).covers(target.region.code):
        raise _fail(_(TARGET_OUT_OF_SCOPE), "target")
    _check_depot(target)
    _check_date(occurred_on)
    if source is not None and source.pk == target.pk:
        raise _fail(_(SAME_DEPOT), "target")
    if source is None and not origin:
        raise _fail(_(ORIGIN_REQUIRED), "origin")
    if source is None and not leader_name:
        raise _fail(_(LEADER_REQUIRED), "leader_name")
    phone = ""
    if leader_phone:
        try:
            phone = parse_phone(leader_phone)
        except ValueError as error:
            raise _fail(str(error), "leader_phone") from None
    plates = _vehicles(vehicles)
    if source is None and not plates:
        raise _fail(_(VEHICLE_REQUIRED), "vehicles")
    if source is not None:
        _check_depot(source)
        source = _lock(source)
        carried = _allocate(source, lines, occurred_on)
    else:
        carried = _incoming_lines(lines, occurred_on)
    movement = _save(
        Movement(
            kind=Movement.Kind.TRANSFER,
            status=Movement.Status.IN_TRANSIT,
            # The receiving end owns a transfer: its staff must see it to receive it; the
            # sender sees it too (selectors add the source's side).
            region=target.region,
            source=source,
            target=target,
            occurred_on=occurred_on,
            origin=origin,
            leader_name=leader_name,
            leader_phone=encrypt(phone) if phone else "",
            leader_phone_masked=mask_phone(phone),
            departed_at=departed_at or _default_departure(occurred_on),
            note=(note or "").strip(),
            created_by=actor,
        )
    )
    _store_lines(movement, carried)
    ConvoyVehicle.objects.bulk_create(
        [ConvoyVehicle(movement=movement, plate=plate, driver=driver) for plate, driver in plates]
    )
    if source is not None:
        _post(movement, source, carried, -1)
    _audit(
        actor,
        movement,
        AuditEvent.Action.CREATE,
        {"origin": origin, "leader": leader_name, "vehicles": [p for p, _d in plates]},
    )
    return movement


@transaction.atomic
def transfer_receive(
    *, actor, movement: Movement, arrived_at: dt.datetime | None = None
) -> Movement:
    """Receive a convoy into its target depot: its lines enter the target's stock once."""
    movement = (
        Movement.objects.select_for_update(of=("self",))
        .select_related("region", "target", "received_by")
        .get(pk=movement.pk)
    )
    if movement.kind != Movement.Kind.TRANSFER:
        raise _fail(_(NOT_A_TRANSFER))
    if movement.status != Movement.Status.IN_TRANSIT:
        when = timezone.localtime(movement.arrived_at) if movement.arrived_at else None
        raise _fail(
            _(ALREADY_RECEIVED).format(
                when=f"{when:%Y-%m-%d %H:%M}" if when else "—",
                who=movement.received_by.get_username() if movement.received_by else "—",
            )
        )
    arrived_at = arrived_at or timezone.now()
    if movement.departed_at and arrived_at < movement.departed_at:
        raise _fail(_(ARRIVAL_BEFORE_DEPARTURE), "arrived_at")
    movement.status = Movement.Status.RECEIVED
    movement.arrived_at = arrived_at
    movement.received_by = actor if getattr(actor, "is_authenticated", False) else None
    movement.save(update_fields=["status", "arrived_at", "received_by", "updated_at"])
    lines = [
        LineInput(
            item=line.item, quantity=line.quantity, lot_no=line.lot_no, expires_on=line.expires_on
        )
        for line in movement.lines.select_related("item")
    ]
    _post(movement, movement.target, lines, +1, on=timezone.localdate(arrived_at))
    _audit(actor, movement, AuditEvent.Action.UPDATE, {"received": arrived_at.isoformat()})
    return movement


# --- hand-outs -------------------------------------------------------------------------------


@transaction.atomic
def distribution_record(
    *,
    actor,
    depot: Depot,
    occurred_on: dt.date,
    recipient_kind: str,
    lines: Sequence[LineInput],
    household: Household | None = None,
    person: Person | None = None,
    unit_name: str = "",
    channel: str = "",
    note: str = "",
) -> Movement:
    """Hand supplies out of `depot` to a household, a person (e.g. an elderly person in the
    ledger) or a unit (e.g. the newsroom), never more than the depot holds."""
    unit_name = (unit_name or "").strip()
    _check_depot(depot)
    _check_date(occurred_on)
    R = Movement.Recipient
    if recipient_kind not in R.values:
        raise _fail(_(RECIPIENT_INVALID), "recipient_kind")
    if recipient_kind == R.HOUSEHOLD:
        if household is None:
            raise _fail(_(HOUSEHOLD_REQUIRED), "household")
        person, unit_name, place = None, "", household.region.code
    elif recipient_kind == R.PERSON:
        if person is None:
            raise _fail(_(PERSON_REQUIRED), "person")
        if person.status not in (Person.Status.RESIDENT, Person.Status.AWAY):
            raise _fail(_(PERSON_GONE), "person")
        household, unit_name, place = person.household, "", person.region.code
    else:
        if not unit_name:
            raise _fail(_(UNIT_REQUIRED), "unit_name")
        household = person = None
        place = None
    if place is not None and not place.startswith(depot.region.code):
        raise _fail(_(RECIPIENT_OUT_OF_SCOPE), "household" if person is None else "person")
    depot = _lock(depot)
    handed = _allocate(depot, lines, occurred_on)
    movement = _save(
        Movement(
            kind=Movement.Kind.DISTRIBUTION,
            status=Movement.Status.DONE,
            region=depot.region,
            source=depot,
            occurred_on=occurred_on,
            recipient_kind=recipient_kind,
            household=household,
            person=person,
            unit_name=unit_name,
            channel=(channel or "").strip(),
            note=(note or "").strip(),
            created_by=actor,
        )
    )
    _store_lines(movement, handed)
    _post(movement, depot, handed, -1)
    _audit(
        actor,
        movement,
        AuditEvent.Action.CREATE,
        {
            "recipient": recipient_kind,
            "household": household.pk if household else None,
            "person": person.pk if person else None,
            "unit": unit_name,
        },
    )
    return movement
