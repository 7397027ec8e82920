"""Supplies spreadsheets: the donation list (捐赠物资清单) imported into depots, and the
stock and movement ledgers exported. Registered with core.ledgers in SuppliesConfig.ready().

A donation list has one row per item; rows with the same 捐赠证书编号 (or, without one, the
same donor, date and depot) form one donation. Depots are found by name among those the
importer manages below the region imported into; items by name in the catalogue. Every good
donation is stored through services.donation_record (validated and audited); a bad row is
reported with its row and column and, by default, nothing at all is stored.
"""

from collections.abc import Callable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from qunfang.core.ledgers import ImportResult, Ledger
from qunfang.core.spreadsheets import (
    Column,
    LedgerSpec,
    ParsedRow,
    RowError,
    parse_date,
    parse_decimal,
    parse_plain_text,
)
from qunfang.org.models import Region
from qunfang.org.roles import Capability
from qunfang.supplies import selectors, services
from qunfang.supplies.models import Item, Movement
from qunfang.supplies.services import LineInput, format_quantity, quantity_problem

DEPOT_NOT_FOUND = "本区域内没有您可管理的这个仓库"
DEPOT_AMBIGUOUS = "本区域内有多个同名仓库，请核对"
ITEM_NOT_FOUND = "物资目录中没有“{name}”，请先在后台物资品目中添加"
UNIT_MISMATCH = "“{name}”的计量单位是“{unit}”，与表中不一致"
CERTIFICATE_TAKEN = "该捐赠证书编号已登记，请勿重复导入"
GROUP_MISMATCH = "与第{row}行同一证书，但捐赠方、日期或仓库不同"

H_DATE = "捐赠日期"
H_DONOR = "捐赠方"
H_CERT = "捐赠证书编号"
H_DEPOT = "入库仓库"
H_ITEM = "物资名称"
H_QTY = "数量"
H_UNIT = "计量单位"
H_LOT = "批号"
H_EXPIRES = "有效期至"
H_NOTE = "备注"


def _text(max_length: int) -> Callable[[str], str]:
    return lambda text: parse_plain_text(text, max_length=max_length)


def _quantity(text: str) -> Decimal:
    value = parse_decimal(text, minimum=None)
    if value <= 0:
        raise ValueError("数量必须大于 0")
    return value


DONATIONS = LedgerSpec(
    name="supply_donations",
    title="捐赠物资清单",
    columns=(
        Column("occurred_on", H_DATE, required=True, parse=parse_date),
        Column("donor", H_DONOR, required=True, parse=_text(100), width=22),
        Column(
            "certificate_no",
            H_CERT,
            parse=_text(50),
            text=True,
            help="同一证书的多行为同一笔捐赠",
        ),
        Column("depot", H_DEPOT, required=True, parse=_text(100), width=20),
        Column("item", H_ITEM, required=True, parse=_text(100), width=18),
        Column("quantity", H_QTY, required=True, parse=_quantity, help="口罩等按个计的须为整数"),
        Column("unit", H_UNIT, parse=_text(10), help="可不填；填了则核对"),
        Column("lot_no", H_LOT, parse=_text(50), text=True),
        Column(
            "expires_on",
            H_EXPIRES,
            parse=parse_date,
            help="有保质期的物资可不填，按入库日加保质期计",
        ),
        Column("note", H_NOTE, parse=_text(200)),
    ),
    example=(
        "2020-02-05",
        "晋城市慈善总会",
        "JZ-2020-0001",
        "泽州县防疫物资库",
        "医用外科口罩",
        "20000",
        "个",
        "20200101",
        "2022-01-01",
        "",
    ),
)


def write_donations(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    depots: dict[str, list] = {}
    for depot in selectors.depots_managed(actor, region=region):
        depots.setdefault(depot.name, []).append(depot)
    items = {item.name: item for item in Item.objects.all()}
    taken = set(
        Movement.objects.exclude(certificate_no="").values_list("certificate_no", flat=True)
    )
    groups: dict[tuple, list[tuple[ParsedRow, LineInput]]] = {}
    group_depots: dict[tuple, object] = {}
    heads: dict[str, tuple[int, tuple]] = {}
    for row in rows:
        values = row.values
        found = depots.get(values["depot"], [])
        if len(found) != 1:
            problem = DEPOT_NOT_FOUND if not found else DEPOT_AMBIGUOUS
            result.errors.append(RowError(row.row, H_DEPOT, problem))
            continue
        depot = found[0]
        item = items.get(values["item"])
        if item is None:
            message = ITEM_NOT_FOUND.format(name=values["item"])
            result.errors.append(RowError(row.row, H_ITEM, message))
            continue
        if values["unit"] and values["unit"] != item.unit:
            message = UNIT_MISMATCH.format(name=item.name, unit=item.unit)
            result.errors.append(RowError(row.row, H_UNIT, message))
            continue
        problem = quantity_problem(item, values["quantity"])
        if problem:
            result.errors.append(RowError(row.row, H_QTY, problem))
            continue
        certificate = values["certificate_no"] or ""
        if certificate in taken:
            result.errors.append(RowError(row.row, H_CERT, CERTIFICATE_TAKEN))
            continue
        head = (values["donor"], values["occurred_on"], depot.pk)
        if certificate:
            first = heads.setdefault(certificate, (row.row, head))
            if first[1] != head:
                message = GROUP_MISMATCH.format(row=first[0])
                result.errors.append(RowError(row.row, H_CERT, message))
                continue
            key = ("cert", certificate)
        else:
            key = ("head", *head)
        line = LineInput(
            item=item,
            quantity=values["quantity"],
            lot_no=values["lot_no"] or "",
            expires_on=values["expires_on"],
        )
        groups.setdefault(key, []).append((row, line))
        group_depots[key] = depot
    for key, members in groups.items():
        first = members[0][0].values
        depot = group_depots[key]
        try:
            with transaction.atomic():
                services.donation_record(
                    actor=actor,
                    depot=depot,
                    donor=first["donor"],
                    certificate_no=key[1] if key[0] == "cert" else "",
                    occurred_on=first["occurred_on"],
                    lines=[line for _row, line in members],
                    note=first["note"] or "",
                )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                column = {"occurred_on": H_DATE, "certificate_no": H_CERT, "lines": H_QTY}.get(
                    field, ""
                )
                for message in messages:
                    result.errors.append(RowError(members[0][0].row, column, message))
        else:
            result.created += 1


def export_donations(user, region: Region, *, reveal: bool = False):
    movements = selectors.movement_list(user, region=region, kind=Movement.Kind.DONATION)
    rows = []
    for movement in movements.prefetch_related("lines__item"):
        for line in movement.lines.all():
            rows.append(
                [
                    movement.occurred_on,
                    movement.donor,
                    movement.certificate_no,
                    movement.target.name if movement.target else "",
                    line.item.name,
                    format_quantity(line.quantity),
                    line.item.unit,
                    line.lot_no,
                    line.expires_on,
                    movement.note,
                ]
            )
    return DONATIONS.headers(), rows


# --- exports that are not imported ----------------------------------------------------------

STOCK_HEADERS = [
    "仓库",
    "所属区域",
    "类别",
    "物资名称",
    "计量单位",
    "库存",
    "在途",
    "最低库存",
    "状态",
]


def export_stock(user, region: Region) -> tuple[list[str], list[list]]:
    rows = [
        [
            row.depot.name,
            row.depot.region.display_name,
            row.item.get_category_display(),
            row.item.name,
            row.item.unit,
            format_quantity(row.balance),
            format_quantity(row.in_transit),
            format_quantity(row.minimum) if row.minimum is not None else "",
            "库存不足" if row.low else "正常",
        ]
        for row in selectors.stock_rows(user, region=region)
    ]
    return STOCK_HEADERS, rows


MOVEMENT_HEADERS = [
    "单号",
    "类型",
    "状态",
    "日期",
    "调出仓库",
    "调入仓库",
    "发放对象",
    "发放渠道",
    "捐赠方",
    "捐赠证书编号",
    "供应商",
    "起运地",
    "运输领队",
    "车牌号",
    "物资名称",
    "数量",
    "计量单位",
    "批号",
    "有效期至",
    "单价（元）",
]


def export_movements(user, region: Region) -> tuple[list[str], list[list]]:
    """One row per line; the recipient person is named, never identified by number."""
    movements = selectors.movement_list(user, region=region).prefetch_related(
        "lines__item", "vehicles"
    )
    rows = []
    for m in movements:
        plates = "、".join(v.plate for v in m.vehicles.all())
        for line in m.lines.all():
            rows.append(
                [
                    m.number,
                    m.get_kind_display(),
                    m.get_status_display(),
                    m.occurred_on,
                    m.source.name if m.source else "",
                    m.target.name if m.target else "",
                    _recipient(m),
                    m.channel,
                    m.donor,
                    m.certificate_no,
                    m.supplier,
                    m.origin,
                    m.leader_name,
                    plates,
                    line.item.name,
                    format_quantity(line.quantity),
                    line.item.unit,
                    line.lot_no,
                    line.expires_on,
                    line.unit_price,
                ]
            )
    return MOVEMENT_HEADERS, rows


def _recipient(movement: Movement) -> str:
    if movement.kind != Movement.Kind.DISTRIBUTION:
        return ""
    return movement.recipient_label


SUPPLIES_LEDGERS = [
    Ledger(
        spec=DONATIONS,
        write=write_donations,
        export=export_donations,
        import_capability=Capability.MANAGE_SUPPLIES,
        view_capability=Capability.MANAGE_SUPPLIES,
    )
]
