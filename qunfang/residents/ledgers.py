"""The persons ledger (人员台账) and the household roster (户籍名册): columns as a town office
keeps them, and the writers that store parsed rows."""

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from qunfang.core import bulk
from qunfang.core.crypto import blind_index, decrypt, encrypt
from qunfang.core.idcard import (
    IdNumber,
    InvalidIdNumber,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
)
from qunfang.core.ledgers import ImportResult
from qunfang.core.spreadsheets import (
    Column,
    LedgerSpec,
    ParsedRow,
    RowError,
    choice_parser,
    parse_date,
    parse_plain_text,
)
from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.org.selectors import villages_by_name
from qunfang.residents.models import (
    Household,
    Person,
    Relation,
    RosterEntry,
    RosterImport,
    Sex,
    Tag,
)

NAME_PATTERN = re.compile(r"^[\u3400-\u9fff·•A-Za-z\s]{1,30}$")


def parse_name(text: str) -> str:
    text = parse_plain_text(text, max_length=30)
    if not NAME_PATTERN.match(text):
        raise ValueError("姓名只能包含汉字、字母和间隔号·")
    return text.replace("•", "·")


def parse_id(text: str) -> IdNumber:
    if re.fullmatch(r"\d(\.\d+)?[eE]\+\d+", text):
        raise ValueError("身份证号被 Excel 存成了科学计数法数字，请把该列设为“文本”后重新填写")
    try:
        return parse_id_number(text)
    except InvalidIdNumber as error:
        raise ValueError(str(error)) from None


SEX_WORDS = {"男": Sex.MALE, "女": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE}
RELATION_WORDS = {str(label): value for value, label in Relation.choices} | {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "长子": Relation.CHILD,
    "长女": Relation.CHILD,
    "次子": Relation.CHILD,
    "次女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
}
STATUS_WORDS = {str(label): value for value, label in Person.Status.choices}
TAG_WORDS = {str(label): value for value, label in Tag.Kind.choices} | {
    "低保户": Tag.Kind.DIBAO,
    "低保对象": Tag.Kind.DIBAO,
    "五保户": Tag.Kind.WUBAO,
    "特困供养": Tag.Kind.TEKUN,
    "特困人员": Tag.Kind.TEKUN,
    "孤儿": Tag.Kind.ORPHAN,
    "事实无人抚养儿童": Tag.Kind.ORPHAN,
    "独居老人": Tag.Kind.ELDERLY,
    "空巢老人": Tag.Kind.ELDERLY,
    "困难老人": Tag.Kind.ELDERLY,
    "重度残疾": Tag.Kind.SEVERE_DISABILITY,
    "一线医护家属": Tag.Kind.MEDIC_FAMILY,
    "援鄂医护家属": Tag.Kind.MEDIC_FAMILY,
    "医护家属": Tag.Kind.MEDIC_FAMILY,
}


def parse_tags(text: str) -> list[str]:
    kinds: list[str] = []
    for word in re.split(r"[、,，;；\s]+", text.strip()):
        if not word:
            continue
        kind = TAG_WORDS.get(word)
        if kind is None:
            raise ValueError(
                f"未知的困难类别“{word}”，可填：" + "、".join(str(k.label) for k in Tag.Kind)
            )
        if kind not in kinds:
            kinds.append(kind)
    return kinds


def parse_register_no(text: str) -> str:
    text = parse_plain_text(text, max_length=30)
    if not re.fullmatch(r"[0-9A-Za-z\-]+", text):
        raise ValueError("户号只能包含数字、字母和短横线")
    return text


def parse_address(text: str) -> str:
    return parse_plain_text(text, max_length=200)


VILLAGE = Column(
    "village",
    "村（社区）",
    aliases=("村(社区)", "村居", "村", "社区", "村委会"),
    help="村或社区名称（如“南村村”）或12位区划代码；导入到某个村时可不填。",
    width=16,
)
PERSON_COLUMNS = (
    VILLAGE,
    Column("grid", "网格", help="本村已建网格的名称，可不填。", width=12),
    Column(
        "register_no",
        "户号",
        required=True,
        parse=parse_register_no,
        text=True,
        help="户口簿上的户号；同一户的人员填同一户号。",
    ),
    Column("address", "家庭住址", parse=parse_address, width=24),
    Column("name", "姓名", required=True, parse=parse_name, width=10),
    Column(
        "sex",
        "性别",
        parse=choice_parser(SEX_WORDS, "性别"),
        choices=("男", "女"),
        help="可不填，按身份证号判断；填写时须与身份证号一致。",
        width=6,
    ),
    Column(
        "birth_date",
        "出生日期",
        parse=parse_date,
        help="可不填，按身份证号判断；填写时须与身份证号一致。",
    ),
    Column(
        "id_number",
        "身份证号",
        required=True,
        parse=parse_id,
        text=True,
        width=22,
        aliases=("身份证号码", "公民身份号码", "证件号码"),
        help="18位，末位可为X。15位旧号码请换成18位。同一身份证号重复导入会合并，不会重复登记。",
    ),
    Column(
        "phone",
        "联系电话",
        parse=parse_phone,
        text=True,
        aliases=("电话", "手机号"),
        help="11位手机号或带区号的固定电话。",
        width=14,
    ),
    Column(
        "relation",
        "与户主关系",
        parse=choice_parser(RELATION_WORDS, "与户主关系"),
        choices=tuple(str(label) for _value, label in Relation.choices),
        width=10,
    ),
    Column(
        "status",
        "人员状态",
        parse=choice_parser(STATUS_WORDS, "人员状态"),
        choices=tuple(str(label) for _value, label in Person.Status.choices),
        help="在户、外出、迁出或死亡；不填为在户。",
        width=10,
    ),
    Column(
        "tags",
        "困难类别",
        parse=parse_tags,
        width=18,
        help="可填多个，用顿号分隔：" + "、".join(str(k.label) for k in Tag.Kind),
    ),
    Column("tag_start", "类别起始日期", parse=parse_date, help="不填为导入当天。"),
    Column(
        "guardian_name",
        "监护人/联系人",
        parse=parse_name,
        aliases=("监护人", "联系人"),
        help="困难对象必填。",
        width=12,
    ),
    Column("guardian_relation", "联系人关系", parse=lambda t: parse_plain_text(t, max_length=20)),
    Column(
        "guardian_phone",
        "联系人电话",
        parse=parse_phone,
        text=True,
        aliases=("监护人电话",),
        help="困难对象必填。",
    ),
)
PERSONS = LedgerSpec(
    name="persons",
    title="人员台账",
    columns=PERSON_COLUMNS,
    example=(
        "南村村",
        "",
        "1405250001",
        "南村镇南村村1号",
        "王秀英",
        "女",
        "1950-03-08",
        "14052519500308002X",
        "13812345678",
        "户主",
        "在户",
        "低保、独居/空巢/困难老人",
        "2019-01-01",
        "王建国",
        "儿子",
        "13912345678",
    ),
)

ROSTER = LedgerSpec(
    name="roster",
    title="户籍名册",
    columns=(
        VILLAGE,
        Column("register_no", "户号", required=True, parse=parse_register_no, text=True),
        Column("name", "姓名", required=True, parse=parse_name, width=10),
        Column(
            "id_number",
            "身份证号",
            required=True,
            parse=parse_id,
            text=True,
            width=22,
            aliases=("身份证号码", "公民身份号码", "证件号码"),
        ),
        Column("relation", "与户主关系", parse=choice_parser(RELATION_WORDS, "与户主关系")),
    ),
    example=("南村村", "1405250001", "王秀英", "14052519500308002X", "户主"),
)


# --- resolving villages and grids ---------------------------------------------------------


class VillageResolver:
    """Maps the 村（社区）/网格 cells to regions inside the import region and the actor's scope."""

    def __init__(self, actor, region: Region) -> None:
        self.region = region
        index = villages_by_name(actor, region)
        self.villages: dict[str, Region] = {key: nodes[0] for key, nodes in index.items()}
        self.ambiguous = {key for key, nodes in index.items() if len(nodes) > 1}
        grids = scoped(Region.objects.filter(subtree_q(region.code), level=Level.GRID), actor)
        self.grids: dict[tuple[str, str], Region] = {(g.code[:12], g.name): g for g in grids}
        self.fixed = region if region.level in (Level.VILLAGE, Level.GRID) else None

    def resolve(self, row: ParsedRow, result: ImportResult, header: str) -> Region | None:
        text = row.values.get("village") or ""
        if self.fixed is not None:
            village = self.fixed if self.fixed.level == Level.VILLAGE else self.fixed.parent
            if text and text not in {village.code, village.name, village.display_name}:
                result.errors.append(
                    RowError(
                        row.row, header, f"本次导入到“{village.display_name}”，与所填“{text}”不符"
                    )
                )
                return None
        else:
            if not text:
                result.errors.append(
                    RowError(row.row, header, "导入到镇街或区县时必须填写村（社区）")
                )
                return None
            if text in self.ambiguous:
                result.errors.append(
                    RowError(row.row, header, f"“{text}”有重名，请改填12位区划代码")
                )
                return None
            village = self.villages.get(text)
            if village is None:
                result.errors.append(
                    RowError(
                        row.row, header, f"在“{self.region.display_name}”内找不到村（社区）“{text}”"
                    )
                )
                return None
        grid_name = row.values.get("grid")
        if self.fixed is not None and self.fixed.level == Level.GRID and not grid_name:
            return self.fixed
        if grid_name:
            grid = self.grids.get((village.code, grid_name))
            if grid is None:
                result.errors.append(
                    RowError(
                        row.row, "网格", f"“{village.display_name}”没有名为“{grid_name}”的网格"
                    )
                )
                return None
            return grid
        return village


def _duplicates_in_file(rows: list[ParsedRow], result: ImportResult) -> list[ParsedRow]:
    first_row: dict[str, int] = {}
    unique: list[ParsedRow] = []
    for row in rows:
        value = row.values["id_number"].value
        if value in first_row:
            result.errors.append(
                RowError(row.row, "身份证号", f"与第{first_row[value]}行身份证号重复")
            )
            continue
        first_row[value] = row.row
        unique.append(row)
    return unique


def _chunks(items: Sequence, size: int = 900) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- persons ------------------------------------------------------------------------------


PERSON_FIELDS = (
    "household_id",
    "region_id",
    "village_code",
    "name",
    "sex",
    "birth_date",
    "id_number",
    "id_index",
    "id_masked",
    "phone",
    "phone_masked",
    "relation",
    "status",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardian_phone_masked",
    "created_at",
    "updated_at",
)
UPDATED_FIELDS = [f for f in PERSON_FIELDS if f not in ("id_index", "created_at")]
UPDATED_POSITIONS = [PERSON_FIELDS.index(f) for f in UPDATED_FIELDS]
# Cells left blank in a re-import keep what the ledger already holds.
KEPT_WHEN_BLANK = (
    "phone",
    "phone_masked",
    "relation",
    "status",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardian_phone_masked",
)


def write_persons(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    """Store persons, merging on the ID number: a person already in the ledger is updated in
    place (never duplicated); a person registered outside the importer's scope is refused.

    Written with core.bulk.upsert: an import of 100,000 rows must not take minutes.
    """
    today = timezone.localdate()
    # Adapted once: the database driver would otherwise convert it for every row.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    resolver = VillageResolver(actor, region)
    rows = _duplicates_in_file(rows, result)

    placed: list[tuple[ParsedRow, Region, str]] = []
    for row in rows:
        values = row.values
        ident: IdNumber = values["id_number"]
        if values.get("sex") and values["sex"] != ident.sex:
            result.errors.append(RowError(row.row, "性别", "与身份证号不一致"))
            continue
        if values.get("birth_date") and values["birth_date"] != ident.birth_date:
            result.errors.append(RowError(row.row, "出生日期", "与身份证号不一致"))
            continue
        if values.get("tags") and not (
            values.get("guardian_name") and values.get("guardian_phone")
        ):
            result.errors.append(
                RowError(row.row, "监护人/联系人", "困难对象必须填写监护人/联系人及其电话")
            )
            continue
        home = resolver.resolve(row, result, VILLAGE.header)
        if home is None:
            continue
        placed.append((row, home, blind_index(ident.value)))

    existing: dict[str, dict[str, Any]] = {}
    for chunk in _chunks([index for _row, _home, index in placed]):
        for person in Person.objects.filter(id_index__in=chunk).values(
            "id_index", "region_id", *KEPT_WHEN_BLANK
        ):
            existing[person["id_index"]] = person
    visible_ids = set(
        scoped(
            Region.objects.filter(pk__in={p["region_id"] for p in existing.values()}), actor
        ).values_list("pk", flat=True)
    )
    accepted: list[tuple[ParsedRow, Region, str]] = []
    for row, home, index in placed:
        person = existing.get(index)
        if person is not None and person["region_id"] not in visible_ids:
            result.errors.append(
                RowError(
                    row.row, "身份证号", "此人已登记在您管辖范围以外的村（社区），请联系上级核实"
                )
            )
            continue
        accepted.append((row, home, index))

    households = _households_for(accepted, now)
    person_rows: list[tuple] = []
    tag_wanted: list[tuple[str, str, Any]] = []
    for row, home, index in accepted:
        values = row.values
        ident = values["id_number"]
        kept = existing.get(index, {})
        phone = values.get("phone")
        guardian_phone = values.get("guardian_phone")
        person_rows.append(
            (
                households[(home.pk, values["register_no"])],
                home.pk,
                home.code[:12],
                values["name"],
                ident.sex,
                ident.birth_date,
                encrypt(ident.value),
                index,
                mask_id_number(ident.value),
                encrypt(phone) if phone else kept.get("phone", ""),
                mask_phone(phone) if phone else kept.get("phone_masked", ""),
                values.get("relation") or kept.get("relation") or Relation.OTHER,
                values.get("status") or kept.get("status") or Person.Status.RESIDENT,
                values.get("guardian_name") or kept.get("guardian_name", ""),
                (values.get("guardian_relation") or kept.get("guardian_relation", ""))
                if not values.get("guardian_name")
                else (values.get("guardian_relation") or ""),
                encrypt(guardian_phone) if guardian_phone else kept.get("guardian_phone", ""),
                mask_phone(guardian_phone)
                if guardian_phone
                else kept.get("guardian_phone_masked", ""),
                now,
                now,
            )
        )
        for kind in values.get("tags") or ():
            tag_wanted.append((index, kind, values.get("tag_start") or today))

    new_rows = [row for row in person_rows if row[7] not in existing]
    bulk.insert(Person._meta.db_table, PERSON_FIELDS, new_rows)
    bulk.update(
        Person._meta.db_table,
        "id_index",
        UPDATED_FIELDS,
        [
            (row[7], *(row[i] for i in UPDATED_POSITIONS))
            for row in person_rows
            if row[7] in existing
        ],
    )
    if tag_wanted:
        ids: dict[str, int] = {}
        for chunk in _chunks(sorted({index for index, _k, _s in tag_wanted})):
            ids.update(Person.objects.filter(id_index__in=chunk).values_list("id_index", "pk"))
        bulk.upsert(
            Tag._meta.db_table,
            ("person_id", "kind", "start_date", "note"),
            [(ids[index], kind, start, "") for index, kind, start in tag_wanted],
            conflict=["person_id", "kind", "start_date"],
        )
    updated = sum(1 for _row, _home, index in accepted if index in existing)
    result.created += len(accepted) - updated
    result.updated += updated


def _households_for(
    accepted: list[tuple[ParsedRow, Region, str]], now
) -> dict[tuple[int, str], int]:
    """Household ids by (region id, 户号), creating the households that do not exist yet."""
    wanted: dict[tuple[int, str], tuple[Region, str]] = {}
    for row, home, _index in accepted:
        wanted.setdefault(
            (home.pk, row.values["register_no"]), (home, row.values.get("address") or "")
        )
    found = _household_ids(wanted)
    bulk.insert(
        Household._meta.db_table,
        ("region_id", "village_code", "register_no", "address", "created_at", "updated_at"),
        [
            (region_id, home.code[:12], number, address, now, now)
            for (region_id, number), (home, address) in wanted.items()
            if (region_id, number) not in found
        ],
    )
    # A household already on record takes the file's address only where one was given.
    bulk.update(
        Household._meta.db_table,
        "id",
        ("address", "updated_at"),
        [
            (found[key], address, now)
            for key, (_home, address) in wanted.items()
            if key in found and address
        ],
    )
    if len(found) < len(wanted):
        found = _household_ids(wanted)
    return found


def _household_ids(wanted: dict[tuple[int, str], Any]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    # Every household of the villages concerned in one pass: cheaper than thousands of IN lists.
    for chunk in _chunks(sorted({key[0] for key in wanted})):
        rows = Household.objects.filter(region_id__in=chunk).exclude(register_no="")
        for pk, region_id, number in rows.values_list("pk", "region_id", "register_no"):
            if (region_id, number) in wanted:
                found[(region_id, number)] = pk
    return found


def export_persons(user, region: Region, *, reveal: bool) -> tuple[list[str], Iterable[list[Any]]]:
    headers = [c.header for c in PERSON_COLUMNS]
    people = (
        scoped(Person.objects.filter(subtree_q(region.code, "region__code")), user)
        .select_related("household", "region", "region__parent")
        .prefetch_related("tags")
        .order_by("village_code", "household__register_no", "id")
    )
    today = timezone.localdate()

    def rows() -> Iterable[list[Any]]:
        for person in people.iterator(chunk_size=2000):
            active = [t for t in person.tags.all() if t.end_date is None or t.end_date >= today]
            grid = person.region if person.region.level == Level.GRID else None
            village = person.region.parent if grid else person.region
            yield [
                village.display_name,
                grid.name if grid else "",
                person.household.register_no,
                person.household.address,
                person.name,
                person.get_sex_display(),
                person.birth_date.isoformat(),
                decrypt(person.id_number) if reveal else person.id_masked,
                decrypt(person.phone) if reveal else person.phone_masked,
                person.get_relation_display(),
                person.get_status_display(),
                "、".join(t.get_kind_display() for t in active),
                min((t.start_date for t in active), default=None),
                person.guardian_name,
                person.guardian_relation,
                decrypt(person.guardian_phone) if reveal else person.guardian_phone_masked,
            ]

    return headers, rows()


# --- roster -------------------------------------------------------------------------------


def write_roster(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    """Replace each village's roster with the rows given for it."""
    resolver = VillageResolver(actor, region)
    rows = _duplicates_in_file(rows, result)
    by_village: dict[Region, list[ParsedRow]] = {}
    for row in rows:
        home = resolver.resolve(row, result, VILLAGE.header)
        if home is None:
            continue
        village = home if home.level == Level.VILLAGE else home.parent
        by_village.setdefault(village, []).append(row)
    for village, village_rows in by_village.items():
        RosterImport.objects.filter(region=village).delete()
        roster = RosterImport.objects.create(
            region=village, imported_by=actor, rows=len(village_rows)
        )
        RosterEntry.objects.bulk_create(
            [
                RosterEntry(
                    roster=roster,
                    region=village,
                    register_no=row.values["register_no"],
                    name=row.values["name"],
                    id_index=blind_index(row.values["id_number"].value),
                    id_masked=mask_id_number(row.values["id_number"].value),
                )
                for row in village_rows
            ],
            batch_size=2000,
        )
        result.created += len(village_rows)


def export_roster(user, region: Region, *, reveal: bool) -> tuple[list[str], Iterable[list[Any]]]:
    entries = (
        scoped(RosterEntry.objects.filter(subtree_q(region.code, "region__code")), user)
        .select_related("region")
        .order_by("region__code", "register_no", "id")
    )
    headers = [c.header for c in ROSTER.columns]
    # The roster keeps only a blind index of ID numbers, so even `reveal` shows masked values.
    return headers, (
        [e.region.display_name, e.register_no, e.name, e.id_masked, ""] for e in entries.iterator()
    )
