"""The persons ledger (人员台账) and the household roster (户籍名册): columns as a town office
keeps them, and the writers that store parsed rows."""

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from qunfang.core import bulk
from qunfang.core.crypto import blind_index, blind_indexes, cipher, decrypt, encrypt_many
from qunfang.core.idcard import (
    IdNumber,
    InvalidIdNumber,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    parse_id_number,
    parse_phone,
)
from qunfang.core.ledgers import ImportResult, ImportStream
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
EXCEL_NUMBER = re.compile(r"\d(\.\d+)?[eE]\+\d+")
REGISTER_NO_PATTERN = re.compile(r"[0-9A-Za-z\-]+")


def parse_name(text: str) -> str:
    text = parse_plain_text(text, max_length=30)
    if not NAME_PATTERN.match(text):
        raise ValueError("姓名只能包含汉字、字母和间隔号·")
    return text.replace("•", "·") if "•" in text else text


def parse_id(text: str) -> IdNumber:
    if "+" in text and EXCEL_NUMBER.fullmatch(text):
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
    if not REGISTER_NO_PATTERN.fullmatch(text):
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
        # A ledger names the same few villages on every row: each pair of cells is resolved
        # once, to a region or to the (column, reason) of its error.
        self._places: dict[tuple[str, str | None, str], Region | tuple[str, str]] = {}

    def resolve(self, row: ParsedRow, result: ImportResult, header: str) -> Region | None:
        values = row.values
        place = self.place(values.get("village") or "", values.get("grid"), header)
        if type(place) is tuple:
            result.errors.append(RowError(row.row, *place))
            return None
        return place

    def place(
        self, text: str, grid_name: str | None, header: str = VILLAGE.header
    ) -> Region | tuple[str, str]:
        """The region for these cells, or the (column, reason) of the error."""
        key = (text, grid_name, header)
        place = self._places.get(key)
        if place is None:
            place = self._places[key] = self._place(text, grid_name, header)
        return place

    def _place(self, text: str, grid_name: str | None, header: str) -> Region | tuple[str, str]:
        if self.fixed is not None:
            village = self.fixed if self.fixed.level == Level.VILLAGE else self.fixed.parent
            if text and text not in {village.code, village.name, village.display_name}:
                return header, f"本次导入到“{village.display_name}”，与所填“{text}”不符"
        else:
            if not text:
                return header, "导入到镇街或区县时必须填写村（社区）"
            if text in self.ambiguous:
                return header, f"“{text}”有重名，请改填12位区划代码"
            village = self.villages.get(text)
            if village is None:
                return header, f"在“{self.region.display_name}”内找不到村（社区）“{text}”"
        if self.fixed is not None and self.fixed.level == Level.GRID and not grid_name:
            return self.fixed
        if grid_name:
            grid = self.grids.get((village.code, grid_name))
            if grid is None:
                return "网格", f"“{village.display_name}”没有名为“{grid_name}”的网格"
            return grid
        return village


def _duplicates_in_file(
    rows: list[ParsedRow], result: ImportResult, first_row: dict[str, int] | None = None
) -> list[ParsedRow]:
    """The rows whose ID number has not come before (`first_row` carries over chunks)."""
    first_row = {} if first_row is None else first_row
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
TAG_FIELDS = ("person_id", "kind", "start_date", "note")
HOUSEHOLD_FIELDS = (
    "region_id",
    "village_code",
    "register_no",
    "address",
    "created_at",
    "updated_at",
)


def write_persons(actor, region: Region, rows: list[ParsedRow], result: ImportResult) -> None:
    """Store persons, merging on the ID number: a person already in the ledger is updated in
    place (never duplicated); a person registered outside the importer's scope is refused.

    Written below the ORM (core.bulk): an import of 100,000 rows must take seconds. On
    PostgreSQL ledger_import streams the file through stream_persons instead, which checks
    and stores the same rows while parsing.
    """
    today = timezone.localdate()
    # Adapted once: the database driver would otherwise convert it for every row.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    resolver = VillageResolver(actor, region)
    rows = _duplicates_in_file(rows, result)

    placed = _checked(rows, resolver, result)
    indexes = blind_indexes([row.values["id_number"].value for row, _home in placed])

    existing, visible_ids = _existing_persons(actor, indexes)
    accepted = _in_scope(placed, indexes, existing, visible_ids, result)

    households = _households_for(accepted, now)
    new = [item for item in accepted if item[2] not in existing]
    old = [item for item in accepted if item[2] in existing]
    new_ids = bulk.reserve_ids(Person._meta.db_table, len(new))
    if new and new_ids is None:
        bulk.insert(
            Person._meta.db_table, PERSON_FIELDS, list(_person_rows(new, {}, households, now))
        )
    elif new:
        bulk.insert(
            Person._meta.db_table,
            ("id", *PERSON_FIELDS),
            (
                (pk, *values)
                for pk, values in zip(new_ids, _person_rows(new, {}, households, now), strict=True)
            ),
        )
    bulk.update(
        Person._meta.db_table,
        "id",
        UPDATED_FIELDS,
        [
            (existing[values[7]][1], *(values[i] for i in UPDATED_POSITIONS))
            for values in _person_rows(old, existing, households, now)
        ],
    )

    def tags(items: list[tuple[ParsedRow, Region, str]], ids) -> list[tuple]:
        return _tag_rows(items, ids, today)

    tag_columns = TAG_FIELDS
    if new_ids is None:
        # Without reserved keys (SQLite) the new persons' keys are read back.
        tagged = [item for item in new if item[0].values["tags"]]
        keys = dict(
            bulk.select_in(
                Person._meta.db_table, ("id_index", "id"), "id_index", [i for *_, i in tagged]
            )
        )
        new_tags = tags(tagged, [keys[index] for *_, index in tagged])
    else:
        new_tags = tags(new, new_ids)
    # Brand-new persons cannot hold a tag yet: their tags are plain inserts.
    bulk.insert(Tag._meta.db_table, tag_columns, new_tags)
    bulk.upsert(
        Tag._meta.db_table,
        tag_columns,
        tags(old, [existing[index][1] for *_, index in old]),
        conflict=["person_id", "kind", "start_date"],
    )
    result.created += len(new)
    result.updated += len(old)


def _checked(
    rows: list[ParsedRow], resolver: VillageResolver, result: ImportResult
) -> list[tuple[ParsedRow, Region]]:
    """The rows that agree with their ID number and name a known place, with the place."""
    placed: list[tuple[ParsedRow, Region]] = []
    errors = result.errors
    for row in rows:
        values = row.values
        ident: IdNumber = values["id_number"]
        if values["sex"] and values["sex"] != ident.sex:
            errors.append(RowError(row.row, "性别", "与身份证号不一致"))
            continue
        if values["birth_date"] and values["birth_date"] != ident.birth_date:
            errors.append(RowError(row.row, "出生日期", "与身份证号不一致"))
            continue
        if values["tags"] and not (values["guardian_name"] and values["guardian_phone"]):
            errors.append(
                RowError(row.row, "监护人/联系人", "困难对象必须填写监护人/联系人及其电话")
            )
            continue
        home = resolver.resolve(row, result, VILLAGE.header)
        if home is None:
            continue
        placed.append((row, home))
    return placed


def _existing_persons(actor, indexes: Sequence[str]) -> tuple[dict[str, tuple], set[int]]:
    """Persons already in the ledger by blind index (id_index, id, region_id,
    *KEPT_WHEN_BLANK), and which of their regions the actor may write to."""
    existing: dict[str, tuple] = {}
    for found in bulk.select_in(
        Person._meta.db_table,
        ("id_index", "id", "region_id", *KEPT_WHEN_BLANK),
        "id_index",
        indexes,
    ):
        existing[found[0]] = found
    visible_ids = set(
        scoped(
            Region.objects.filter(pk__in={found[2] for found in existing.values()}), actor
        ).values_list("pk", flat=True)
    )
    return existing, visible_ids


def _in_scope(
    placed: list[tuple[ParsedRow, Region]],
    indexes: Sequence[str],
    existing: dict[str, tuple],
    visible_ids: set[int],
    result: ImportResult,
) -> list[tuple[ParsedRow, Region, str]]:
    accepted: list[tuple[ParsedRow, Region, str]] = []
    for (row, home), index in zip(placed, indexes, strict=True):
        person = existing.get(index)
        if person is not None and person[2] not in visible_ids:
            result.errors.append(
                RowError(
                    row.row, "身份证号", "此人已登记在您管辖范围以外的村（社区），请联系上级核实"
                )
            )
            continue
        accepted.append((row, home, index))
    return accepted


def _tag_rows(items: list[tuple[ParsedRow, Region, str]], ids, today) -> list[tuple]:
    wanted: list[tuple] = []
    for (row, _home, _index), pk in zip(items, ids, strict=True):
        kinds = row.values["tags"]
        if kinds:
            start = row.values["tag_start"] or today
            wanted.extend((pk, kind, start, "") for kind in kinds)
    return wanted


def stream_persons(actor, region: Region, stream: ImportStream) -> None:
    """write_persons while the file is still being parsed (core.ledgers streaming, on
    PostgreSQL): the same checks and errors, the same rows stored.

    Before the first chunk, one pass over the raw cells finds what every chunk needs from
    the database: persons already in the ledger (by the blind index of each ID cell), the
    households of the villages named, and a fresh key for each new household and person.
    Then each chunk is parsed, checked, encrypted and encoded as COPY text (in worker
    processes for a large file, _persons_chunk) while a core.bulk.Pipeline stores the
    previous one, foreign keys included. What spans chunks is settled here: an ID number
    met in an earlier chunk, a household named by several.
    """
    result = stream.result
    job = _PersonsJob(actor, region, stream)

    first_row: dict[str, int] = {}
    seen_households: set[tuple[int, str]] = set()
    old_tags: list[tuple] = []
    with (
        stream.chunks(job.work) as chunks,
        bulk.Pipeline(
            check_now=(Household._meta.db_table, Person._meta.db_table, Tag._meta.db_table)
        ) as pipe,
    ):
        for chunk in chunks:
            done: _PersonsChunk | None = chunk.outcome
            if chunk.rows is not None:
                done = _persons_chunk(job, chunk.rows, first_row, pipe.fetch)
            elif done is None or any(value in first_row for value, _row in done.unique):
                # A worker stopped at something only the database can answer, or the chunk
                # repeats an ID number of an earlier one: done again here, knowing all.
                done = _persons_chunk(job, stream.parse(chunk.start), first_row, pipe.fetch)
            else:
                first_row.update(done.unique)
            result.errors.extend(done.errors)
            if not stream.writing:
                continue

            new_households: list[tuple] = []
            address_updates: list[tuple] = []
            for key, village_code, address in done.households:
                if key in seen_households:
                    continue
                seen_households.add(key)
                pk = job.households[key]
                if key in job.on_record:
                    # A household already on record takes the file's address only where one
                    # was given (on the first row naming it, as write_persons does).
                    if address:
                        address_updates.append((pk, address, job.now))
                else:
                    new_households.append(
                        (pk, key[0], village_code, key[1], address, job.now, job.now)
                    )
            pipe.insert(Household._meta.db_table, ("id", *HOUSEHOLD_FIELDS), new_households)
            pipe.update(Household._meta.db_table, "id", ("address", "updated_at"), address_updates)
            pipe.insert_text(Person._meta.db_table, ("id", *PERSON_FIELDS), done.new_persons)
            pipe.update_text(Person._meta.db_table, "id", UPDATED_FIELDS, done.old_persons)
            # Brand-new persons cannot hold a tag yet: their tags are plain inserts.
            pipe.insert_text(Tag._meta.db_table, TAG_FIELDS, done.new_tags)
            old_tags.extend(done.old_tags)
            result.created += done.created
            result.updated += done.updated
    if stream.writing:
        bulk.upsert(
            Tag._meta.db_table, TAG_FIELDS, old_tags, conflict=["person_id", "kind", "start_date"]
        )


class _NeedsDatabase(Exception):
    """A worker met a row that the first pass did not foresee."""


def _no_database(sql: str, params: Sequence | None = None) -> list[tuple]:
    raise _NeedsDatabase


class _PersonsJob:
    """What every chunk of a streamed persons import needs, found in one pass over the raw
    cells before the first chunk (and inherited as it is by worker processes)."""

    def __init__(self, actor, region: Region, stream: ImportStream) -> None:
        self.actor = actor
        # Keys loaded now, before any worker is forked: each then holds these very keys
        # rather than loading (or, for a demo without key files, generating) its own.
        cipher()
        self.today = timezone.localdate()
        # As COPY text once, not once per row ("… +00:00" is read as such).
        self.now = str(timezone.now())
        self.resolver = resolver = VillageResolver(actor, region)
        plan, rows = stream.plan, stream.table.rows
        id_at, number_at = plan.position("id_number"), plan.position("register_no")
        village_at, grid_at = plan.position("village"), plan.position("grid")

        def cells_at(at: int | None) -> list[str]:
            if at is None:
                return [""] * len(rows)
            return [cells[at].strip() if at < len(cells) else "" for _number, cells in rows]

        # A valid ID cell parses to exactly its normalised text, so its blind index is known.
        self.candidate = candidate = {}
        for (number, _cells), text in zip(rows, cells_at(id_at), strict=True):
            if len(text) == 18 and text.isascii() and text.isalnum():
                candidate[number] = text.replace("x", "X") if "x" in text else text
            elif text:
                candidate[number] = normalise_id_number(text)
        wanted: dict[tuple[int, str], None] = {}  # in file order, for the keys' order
        places: dict[tuple[str, str], int | None] = {}
        for village, grid, register_no in zip(
            cells_at(village_at), cells_at(grid_at), cells_at(number_at), strict=True
        ):
            home = places.get((village, grid), 0)
            if home == 0:
                place = resolver.place(village, grid or None)
                home = places[(village, grid)] = None if type(place) is tuple else place.id
            if home is not None:
                wanted[(home, register_no)] = None
        distinct = list(dict.fromkeys(candidate.values()))
        self.index_of = dict(zip(distinct, blind_indexes(distinct), strict=True))
        self.existing, self.visible_ids = _existing_persons(actor, list(self.index_of.values()))
        # Each new person and household has its key before any chunk is parsed, so that a
        # worker can write rows that refer to them.
        fresh = [index for index in self.index_of.values() if index not in self.existing]
        self.person_keys = dict(
            zip(fresh, bulk.reserve_ids(Person._meta.db_table, len(fresh)) or [], strict=True)
        )
        self.households = _household_ids(wanted)
        self.on_record = set(self.households)
        missing = [key for key in wanted if key not in self.households]
        self.households.update(
            zip(
                missing,
                bulk.reserve_ids(Household._meta.db_table, len(missing)) or [],
                strict=True,
            )
        )

    def work(self, rows: list[ParsedRow]) -> "_PersonsChunk | None":
        """A chunk done in a worker process, or None where it needs the database."""
        try:
            return _persons_chunk(self, rows, {}, _no_database)
        except _NeedsDatabase:
            return None

    def fresh_key(self, fetch: Callable, table: str) -> int:
        # Only for what the first pass did not foresee.
        return fetch(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [connection.ops.quote_name(table)]
        )[0][0]


@dataclass
class _PersonsChunk:
    """A chunk of a persons import, checked and encoded, ready to be stored."""

    unique: list[tuple[str, int]]  # (ID number, row) of each row not repeating an earlier one
    errors: list[RowError]
    households: list[tuple[tuple[int, str], str, str]]  # (key, village code, address) named
    new_persons: bytes  # COPY text of ("id", *PERSON_FIELDS)
    old_persons: bytes  # COPY text of ("id", *UPDATED_FIELDS)
    new_tags: bytes  # COPY text of TAG_FIELDS
    old_tags: list[tuple]
    created: int
    updated: int


def _persons_chunk(
    job: _PersonsJob, parsed: list[ParsedRow], first_row: dict[str, int], fetch: Callable
) -> _PersonsChunk:
    """Check and encode the parsed rows of one chunk; `first_row` holds the ID numbers met
    before it, and fetch(sql, params) answers what the first pass did not foresee."""
    found = ImportResult(ledger=PERSONS.name)
    unique = _duplicates_in_file(parsed, found, first_row)
    placed = _checked(unique, job.resolver, found)
    existing = job.existing
    indexes = []
    for row, _home in placed:
        value = row.values["id_number"].value
        index = job.index_of.get(job.candidate.get(row.row, ""))
        if index is None or job.candidate[row.row] != value:
            # Not foreseen by the first pass: looked up on its own.
            index = blind_index(value)
            for person in fetch(
                f"SELECT id_index, id, region_id, {', '.join(KEPT_WHEN_BLANK)} "
                f"FROM {Person._meta.db_table} WHERE id_index = %s",
                [index],
            ):
                existing[index] = person
                job.visible_ids.update(
                    scoped(Region.objects.filter(pk=person[2]), job.actor).values_list(
                        "pk", flat=True
                    )
                )
        indexes.append(index)
    accepted = _in_scope(placed, indexes, existing, job.visible_ids, found)

    households: list[tuple[tuple[int, str], str, str]] = []
    named: set[tuple[int, str]] = set()
    for row, home, _index in accepted:
        key = (home.id, row.values["register_no"])
        if key in named:
            continue
        named.add(key)
        if key not in job.households:
            job.households[key] = job.fresh_key(fetch, Household._meta.db_table)
        households.append((key, home.code[:12], row.values["address"] or ""))

    new = [item for item in accepted if item[2] not in existing]
    old = [item for item in accepted if item[2] in existing]
    new_ids = []
    for _row, _home, index in new:
        pk = job.person_keys.get(index)
        if pk is None:
            pk = job.person_keys[index] = job.fresh_key(fetch, Person._meta.db_table)
        new_ids.append(pk)
    return _PersonsChunk(
        unique=[(row.values["id_number"].value, row.row) for row in unique],
        errors=found.errors,
        households=households,
        new_persons=_new_person_lines(new, new_ids, job.households, job.now),
        old_persons=bulk.copy_text(
            (existing[values[7]][1], *(values[i] for i in UPDATED_POSITIONS))
            for values in _person_rows(old, existing, job.households, job.now)
        ),
        new_tags=bulk.copy_text(_tag_rows(new, new_ids, job.today)),
        old_tags=_tag_rows(old, [existing[index][1] for *_, index in old], job.today),
        created=len(new),
        updated=len(old),
    )


def _person_rows(
    items: list[tuple[ParsedRow, Region, str]],
    existing: dict[str, tuple],
    households: dict[tuple[int, str], int],
    now,
    chunk: int = 5000,
) -> Iterator[tuple]:
    """The PERSON_FIELDS values of each accepted row; blank cells of a person already in the
    ledger keep what it holds (`existing`: id_index, id, region_id, *KEPT_WHEN_BLANK).

    Encrypted chunk by chunk as the rows are consumed: a COPY sends each chunk while the
    next is encrypted.
    """
    homes: dict[int, tuple[int, str]] = {}
    none: tuple = (None,) * (3 + len(KEPT_WHEN_BLANK))
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        phones = [row.values["phone"] or "" for row, _home, _index in part]
        guardian_phones = [row.values["guardian_phone"] or "" for row, _home, _index in part]
        sealed_ids = encrypt_many([row.values["id_number"].value for row, _home, _index in part])
        sealed_phones = encrypt_many(phones)
        sealed_guardian_phones = encrypt_many(guardian_phones)
        for position, (row, home, index) in enumerate(part):
            values = row.values
            ident = values["id_number"]
            number = ident.value
            kept = existing.get(index, none)
            phone = phones[position]
            guardian_phone = guardian_phones[position]
            guardian_name = values["guardian_name"]
            where = homes.get(home.id)
            if where is None:
                where = homes[home.id] = (home.id, home.code[:12])
            if phone:
                phone_masked = (
                    phone[:3] + "****" + phone[7:] if len(phone) == 11 else mask_phone(phone)
                )
            if guardian_phone:
                guardian_masked = (
                    guardian_phone[:3] + "****" + guardian_phone[7:]
                    if len(guardian_phone) == 11
                    else mask_phone(guardian_phone)
                )
            yield (
                households[(where[0], values["register_no"])],
                where[0],
                where[1],
                values["name"],
                ident.sex,
                ident.birth_date,
                sealed_ids[position],
                index,
                # mask_id_number() of an 18-character number, inline: it runs 100,000 times.
                number[:6] + "********" + number[14:],
                sealed_phones[position] if phone else (kept[3] or ""),
                phone_masked if phone else (kept[4] or ""),
                values["relation"] or kept[5] or Relation.OTHER,
                values["status"] or kept[6] or Person.Status.RESIDENT,
                guardian_name or kept[7] or "",
                (values["guardian_relation"] or kept[8] or "")
                if not guardian_name
                else (values["guardian_relation"] or ""),
                sealed_guardian_phones[position] if guardian_phone else (kept[9] or ""),
                guardian_masked if guardian_phone else (kept[10] or ""),
                now,
                now,
            )


def _new_person_lines(
    items: list[tuple[ParsedRow, Region, str]],
    keys: list[int],
    households: dict[tuple[int, str], int],
    now: str,
) -> bytes:
    """("id", *PERSON_FIELDS) of new persons as COPY text, written straight from the parsed
    values: what _person_rows + bulk.copy_text give for a new person (this test-covered
    equivalence is the contract), without the tuple of each row.

    Only the free-text cells can hold a tab, line break or backslash; the rest are digits,
    codes, base64 and fixed words.
    """
    sealed_ids = encrypt_many([row.values["id_number"].value for row, _home, _index in items])
    phones = [row.values["phone"] or "" for row, _home, _index in items]
    guardian_phones = [row.values["guardian_phone"] or "" for row, _home, _index in items]
    sealed_phones = encrypt_many(phones)
    sealed_guardian_phones = encrypt_many(guardian_phones)
    escape = bulk.copy_escape
    homes: dict[int, str] = {}
    lines: list[str] = []
    append = lines.append
    for position, (row, home, index) in enumerate(items):
        values = row.values
        ident = values["id_number"]
        number = ident.value
        phone = phones[position]
        guardian_phone = guardian_phones[position]
        guardian_name = values["guardian_name"]
        place = homes.get(home.id)
        if place is None:
            place = homes[home.id] = f"{home.id}\t{home.code[:12]}"
        if phone:
            phone = phone[:3] + "****" + phone[7:] if len(phone) == 11 else mask_phone(phone)
        if guardian_phone:
            guardian_phone = (
                guardian_phone[:3] + "****" + guardian_phone[7:]
                if len(guardian_phone) == 11
                else mask_phone(guardian_phone)
            )
        append(
            f"{keys[position]}\t{households[(home.id, values['register_no'])]}\t{place}\t"
            f"{escape(values['name'])}\t{ident.sex}\t{ident.birth_date}\t"
            f"{sealed_ids[position]}\t{index}\t{number[:6]}********{number[14:]}\t"
            f"{sealed_phones[position]}\t{phone}\t"
            f"{values['relation'] or Relation.OTHER.value}\t"
            f"{values['status'] or Person.Status.RESIDENT.value}\t"
            f"{escape(guardian_name or '')}\t{escape(values['guardian_relation'] or '')}\t"
            f"{sealed_guardian_phones[position]}\t{guardian_phone}\t{now}\t{now}"
        )
    if not lines:
        return b""
    lines.append("")
    return "\n".join(lines).encode("utf-8")


def _households_for(
    accepted: list[tuple[ParsedRow, Region, str]], now
) -> dict[tuple[int, str], int]:
    """Household ids by (region id, 户号), creating the households that do not exist yet."""
    wanted: dict[tuple[int, str], tuple[Region, str]] = {}
    for row, home, _index in accepted:
        key = (home.id, row.values["register_no"])
        if key not in wanted:
            wanted[key] = (home, row.values["address"] or "")
    found = _household_ids(wanted)
    missing = [key for key in wanted if key not in found]
    new_ids = bulk.reserve_ids(Household._meta.db_table, len(missing))
    new_rows = [
        (
            region_id,
            wanted[(region_id, number)][0].code[:12],
            number,
            wanted[(region_id, number)][1],
            now,
            now,
        )
        for region_id, number in missing
    ]
    if new_ids is None:
        bulk.insert(Household._meta.db_table, HOUSEHOLD_FIELDS, new_rows)
    else:
        bulk.insert(
            Household._meta.db_table,
            ("id", *HOUSEHOLD_FIELDS),
            [(pk, *values) for pk, values in zip(new_ids, new_rows, strict=True)],
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
    if new_ids is not None:
        found.update(zip(missing, new_ids, strict=True))
    elif missing:
        found = _household_ids(wanted)
    return found


def _household_ids(wanted: dict[tuple[int, str], Any]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    # Every household of the villages concerned in one pass: cheaper than thousands of IN lists.
    for pk, region_id, number in bulk.select_in(
        Household._meta.db_table,
        ("id", "region_id", "register_no"),
        "region_id",
        sorted({key[0] for key in wanted}),
        where="register_no <> ''",
    ):
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
