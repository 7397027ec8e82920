"""Data for `manage.py bench_residents`: a realistic persons ledger CSV for the importer, and a
large audit data set built with bulk SQL (not through the importer) on SQLite or PostgreSQL.

Nothing here is used by the application itself.
"""

import csv
import datetime as dt
import io
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Model
from django.utils import timezone

from qunfang.core.idcard import check_char
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.residents.ledgers import PERSONS
from qunfang.residents.models import (
    Alert,
    AlertStep,
    HealthCheck,
    Household,
    Person,
    RosterEntry,
    RosterImport,
    Tag,
)

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建国志文斌宁辉丹鹏飞云凤琴海燕梅晋龙翠"
)
GUARDIAN_RELATIONS = ("儿子", "女儿", "配偶", "母亲", "父亲", "兄弟姐妹", "邻居", "村干部")
SIZE_WEIGHTS = ((1, 15), (2, 25), (3, 25), (4, 20), (5, 15))  # persons per household: 3.0 mean


# --- the importer's file --------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFile:
    data: bytes
    rows: int
    households: int
    villages: int
    tagged: int


def persons_csv(town: Region, rows: int, *, seed: int = 20200201) -> LedgerFile:
    """A persons ledger as a town office fills it: every village of `town`, households of 1–5
    persons under one 户号, valid unique ID numbers (place 140525) and mobile numbers, and
    about 8% vulnerable persons with their category, contact and the contact's phone."""
    rng = random.Random(seed)
    villages = list(Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"))
    if not villages:
        raise ValueError(f"{town.code} has no villages loaded")
    today = dt.date.today()
    used_ids: set[str] = set()

    def id_number(birth: dt.date, sex: str) -> str:
        while True:
            order = rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            first17 = f"140525{birth:%Y%m%d}{order:03d}"
            if first17 not in used_ids:
                used_ids.add(first17)
                return first17 + check_char(first17)

    def born(age_low: int, age_high: int) -> dt.date:
        age = rng.randint(age_low, age_high)
        birth = dt.date(today.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
        return min(birth, today - dt.timedelta(days=1))

    def mobile() -> str:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"

    def given() -> str:
        return rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")

    sizes = [size for size, _ in SIZE_WEIGHTS]
    weights = [weight for _, weight in SIZE_WEIGHTS]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    headers = PERSONS.headers()
    writer.writerow(headers)
    written = households = tagged = 0
    serial: dict[str, int] = {}
    while written < rows:
        village = villages[written * len(villages) // rows]
        serial[village.code] = serial.get(village.code, 0) + 1
        number = serial[village.code]
        register_no = f"{village.code[6:]}{number:04d}"
        address = f"{town.name}{village.display_name}{number}号"
        size = min(rng.choices(sizes, weights)[0], rows - written)
        households += 1
        surname = rng.choice(SURNAMES)
        head_sex = "M" if rng.random() < 0.8 else "F"
        head_birth = born(25, 88)
        for member in range(size):
            if member == 0:
                sex, birth, relation, family = head_sex, head_birth, "户主", surname
            elif member == 1 and size > 1 and rng.random() < 0.8:
                sex = "F" if head_sex == "M" else "M"
                birth = min(head_birth + dt.timedelta(days=rng.randint(-1500, 1500)), today)
                relation, family = "配偶", rng.choice(SURNAMES)
            elif head_birth.year < today.year - 70 and rng.random() < 0.5:
                sex = rng.choice("MF")
                birth = born(1, 16)
                relation, family = ("孙子" if sex == "M" else "孙女"), surname
            else:
                sex = rng.choice("MF")
                low = max(0, today.year - head_birth.year - 40)
                high = max(low, today.year - head_birth.year - 20)
                birth = born(low, high)
                relation, family = ("儿子" if sex == "M" else "女儿"), surname
            birth = min(birth, today - dt.timedelta(days=1))
            age = today.year - birth.year
            ident = id_number(birth, sex)
            tags = tag_start = guardian = guardian_relation = guardian_phone = ""
            if rng.random() < 0.08:
                tagged += 1
                if age >= 65:
                    tags = rng.choice(["独居/空巢/困难老人", "低保、独居/空巢/困难老人", "五保"])
                elif age < 16:
                    tags = rng.choice(["留守儿童", "困境儿童", "孤儿"])
                else:
                    tags = rng.choice(["低保", "重残", "特困", "低保、重残", "一线医护家属"])
                since = dt.date(rng.randint(2015, 2019), rng.randint(1, 12), 1)
                tag_start = max(since, birth).isoformat()
                guardian = rng.choice(SURNAMES) + given()
                guardian_relation = rng.choice(GUARDIAN_RELATIONS)
                guardian_phone = mobile()
            values = {
                "村（社区）": village.display_name,
                "户号": register_no,
                "家庭住址": address,
                "姓名": family + given(),
                "性别": "男" if sex == "M" else "女",
                "出生日期": birth.isoformat(),
                "身份证号": ident,
                "联系电话": mobile() if age >= 14 or rng.random() < 0.3 else "",
                "与户主关系": relation,
                "人员状态": "外出" if rng.random() < 0.05 else "在户",
                "困难类别": tags,
                "类别起始日期": tag_start,
                "监护人/联系人": guardian,
                "联系人关系": guardian_relation,
                "联系人电话": guardian_phone,
            }
            writer.writerow([values.get(header, "") for header in headers])
            written += 1
    return LedgerFile(
        data=buffer.getvalue().encode("utf-8"),
        rows=written,
        households=households,
        villages=len(villages),
        tagged=tagged,
    )


# --- the audit's data set -----------------------------------------------------------------

LEDGER_MODELS = (AlertStep, Alert, HealthCheck, Tag, RosterEntry, RosterImport, Person, Household)


def clear_ledger() -> None:
    """Empty the ledger tables (the scratch database's import run) before the audit build."""
    tables = [connection.ops.quote_name(model._meta.db_table) for model in LEDGER_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


class Dialect:
    """The few SQL spellings that differ between PostgreSQL and SQLite. Statements are run
    without parameters (every value is an internal number or date), so `%` needs no escaping."""

    def __init__(self, vendor: str) -> None:
        self.postgresql = vendor == "postgresql"

    def series(self, count: int) -> str:
        """A FROM item with one column `n` running 1…count."""
        if self.postgresql:
            return f"generate_series(1::bigint, {int(count)}::bigint) AS s(n)"
        return (
            "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {int(count)}) SELECT n FROM s) AS s"
        )

    def lpad(self, expr: str, width: int) -> str:
        if self.postgresql:
            return f"lpad(({expr})::text, {width}, '0')"
        return f"printf('%0{width}d', {expr})"

    def text(self, expr: str) -> str:
        return f"({expr})::text" if self.postgresql else f"CAST({expr} AS TEXT)"

    def integer(self, expr: str) -> str:
        return f"({expr})::int" if self.postgresql else f"({expr})"

    def hex32(self, expr: str) -> str:
        if self.postgresql:
            return f"lpad(to_hex({expr}), 32, '0')"
        return f"printf('%032x', {expr})"

    @property
    def fence(self) -> str:
        """Ends a subquery so that it is computed once, not merged into the outer query."""
        return "OFFSET 0" if self.postgresql else "LIMIT -1 OFFSET 0"

    def date(self, day: dt.date) -> str:
        return f"DATE '{day.isoformat()}'" if self.postgresql else f"'{day.isoformat()}'"

    def date_plus(self, day: dt.date, days_expr: str) -> str:
        if self.postgresql:
            return f"(DATE '{day.isoformat()}' + ({days_expr})::int)"
        return f"date('{day.isoformat()}', '+' || ({days_expr}) || ' days')"

    def timestamp(self, moment: dt.datetime) -> str:
        utc = moment.astimezone(dt.UTC)
        if self.postgresql:
            return f"TIMESTAMPTZ '{utc.isoformat()}'"
        return f"'{utc.strftime('%Y-%m-%d %H:%M:%S.%f')}'"

    @property
    def false(self) -> str:
        return "false" if self.postgresql else "0"


@dataclass(frozen=True)
class AuditData:
    persons: int
    households: int
    villages: int
    tagged: int
    checks: int
    roster_entries: int
    missing_households: int
    steps: dict[str, float]


@contextmanager
def _indexes_deferred(cursor, models: tuple[type[Model], ...], steps: dict) -> Iterator[None]:
    """Load PostgreSQL tables the way pg_restore does: drop their secondary indexes, unique and
    foreign-key constraints, load, then build them again in one pass each (sorting beats a
    million random B-tree inserts, one validating join beats a million trigger checks). The
    schema afterwards is exactly what it was; this is checked."""
    tables = [model._meta.db_table for model in models]
    catalogue = """
        SELECT 'c', c.conrelid::regclass::text, c.conname, c.contype,
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype IN ('f', 'u')
        UNION ALL
        SELECT 'i', i.indrelid::regclass::text, x.relname, '', pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
        WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1, 2, 3
    """
    cursor.execute(catalogue, {"tables": tables})
    before = cursor.fetchall()
    constraints = [row for row in before if row[0] == "c"]
    indexes = [row for row in before if row[0] == "i"]
    q = connection.ops.quote_name
    started = time.perf_counter()
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks may block ALTER TABLE
    # Foreign keys first: a unique constraint may not go while a key depends on it.
    for _kind, table, name, _contype, _definition in sorted(constraints, key=lambda r: r[3]):
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
    for _kind, _table, name, _contype, _definition in indexes:
        cursor.execute(f"DROP INDEX {q(name)}")
    steps["drop_indexes"] = round(time.perf_counter() - started, 2)
    yield
    started = time.perf_counter()
    for _kind, _table, _name, _contype, definition in indexes:
        cursor.execute(definition)
    for _kind, table, name, contype, definition in constraints:
        if contype == "u":
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}")
    steps["build_indexes"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    for _kind, table, name, contype, definition in constraints:
        if contype == "f":
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}")
    steps["check_foreign_keys"] = round(time.perf_counter() - started, 2)
    cursor.execute(catalogue, {"tables": tables})
    after = cursor.fetchall()
    if after != before:
        raise RuntimeError(f"schema changed by the bulk load: {set(before) ^ set(after)}")


def _household_of(person: int) -> int:
    """Persons are numbered 1…P and fill households of sizes 1, 2, 3, 4, 5 in turn."""
    block, rest = divmod(person - 1, 15)
    return 5 * block + next(j for j, start in enumerate((1, 3, 6, 10, 15)) if rest < start) + 1


def build_audit_data(county: Region, persons: int, *, today: dt.date | None = None) -> AuditData:
    """P persons in households of 1–5 spread over every village of `county`, ~8% with an
    active category (plus ~1% with an ended one), daily checks for 90% of the vulnerable over
    the last three days, a roster per village listing every person plus 1% persons (half of
    them in households the ledger lacks) who are not in the ledger."""
    today = today or timezone.localdate()
    now = timezone.now()
    sql = Dialect(connection.vendor)
    q = connection.ops.quote_name
    villages = list(
        Region.objects.filter(code__startswith=county.code, level=Level.VILLAGE).order_by("code")
    )
    count_v = len(villages)
    households = _household_of(persons)
    missing = persons // 100
    person_t, household_t = q(Person._meta.db_table), q(Household._meta.db_table)
    tag_t, check_t = q(Tag._meta.db_table), q(HealthCheck._meta.db_table)
    entry_t = q(RosterEntry._meta.db_table)
    stamp = sql.timestamp(now)

    rest = "((n - 1) % 15)"
    slot = (
        f"CASE WHEN {rest} < 1 THEN 0 WHEN {rest} < 3 THEN 1 WHEN {rest} < 6 THEN 2 "
        f"WHEN {rest} < 10 THEN 3 ELSE 4 END"
    )
    first = f"CASE WHEN {rest} < 1 THEN 0 WHEN {rest} < 3 THEN 1 WHEN {rest} < 6 THEN 3 " + (
        f"WHEN {rest} < 10 THEN 6 ELSE 10 END"
    )
    # One md5 per person (the random part of its blind index, and filler of the right length
    # for its ciphertexts); the fence keeps the planner from computing it once per use.
    people = (
        f"SELECT n, 5 * ((n - 1) / 15) + {slot} + 1 AS h, {rest} - ({first}) AS k, "
        f"md5({sql.text('n')}) AS m FROM {sql.series(persons)} {sql.fence}"
    )
    village_of = f"(h - 1) * {count_v} / {households}"

    def pick(alphabet: str, expr: str) -> str:
        return f"substr('{alphabet}', {sql.integer(f'1 + ({expr}) % {len(alphabet)}')}, 1)"

    name = (
        f"CASE WHEN k = 1 THEN {pick(SURNAMES, 'n * 7')} ELSE {pick(SURNAMES, 'h * 7')} END"
        f" || {pick(GIVEN, 'n * 13')}"
        f" || CASE WHEN n % 3 = 0 THEN '' ELSE {pick(GIVEN, 'n * 31')} END"
    )
    tagged = "(n % 25 < 2 OR n % 100 = 50)"
    birth = (
        f"CASE WHEN k < 2 THEN {sql.date_plus(dt.date(1936, 1, 1), '(h * 7919) % 20000')} "
        f"ELSE {sql.date_plus(dt.date(1975, 1, 1), '(n * 37) % 16000')} END"
    )
    # Ciphertexts as long as real ones: 'v1:' + base64 of nonce, text and tag.
    cipher = "'v1:' || m || m"  # an ID number: 67 characters
    phone = "'v1:' || substr(m || m, 1, 52)"  # a mobile number: 55 characters
    guardian_phone = "'v1:' || substr(m || m, 9, 52)"
    steps: dict[str, float] = {}

    def run(cursor, step: str, statement: str) -> int:
        started = time.perf_counter()
        cursor.execute(statement)
        steps[step] = round(steps.get(step, 0) + time.perf_counter() - started, 2)
        return cursor.rowcount

    with transaction.atomic(), connection.cursor() as cursor:
        rosters = RosterImport.objects.bulk_create(
            [RosterImport(region=v, filename="户籍名册.xlsx") for v in villages]
        )
        if any(r.pk is None for r in rosters):
            ids = dict(RosterImport.objects.values_list("region_id", "pk"))
            roster_ids = [ids[v.pk] for v in villages]
        else:
            roster_ids = [r.pk for r in rosters]
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_village (idx integer PRIMARY KEY, region_id bigint, "
            "code varchar(12), name varchar(100), roster_id bigint)"
        )
        cursor.execute("CREATE INDEX bench_village_code ON bench_village (code)")
        cursor.executemany(
            "INSERT INTO bench_village VALUES (%s, %s, %s, %s, %s)",
            [(i, v.pk, v.code, v.display_name, roster_ids[i]) for i, v in enumerate(villages)],
        )
        loaded = (Household, Person, Tag, HealthCheck, RosterEntry)
        with _indexes_deferred(cursor, loaded, steps) if sql.postgresql else nullcontext():
            run(
                cursor,
                "households",
                f"INSERT INTO {household_t} (id, region_id, village_code, register_no, address, "
                "created_at, updated_at) "
                f"SELECT n, v.region_id, v.code, {sql.lpad('n', 9)}, "
                f"v.name || {sql.text('n % 900 + 1')} || '号', {stamp}, {stamp} "
                f"FROM {sql.series(households)} "
                f"JOIN bench_village v ON v.idx = (n - 1) * {count_v} / {households}",
            )
            run(
                cursor,
                "persons",
                f"INSERT INTO {person_t} (id, household_id, region_id, village_code, name, sex, "
                "birth_date, id_number, id_index, id_masked, phone, phone_masked, relation, "
                "status, guardian_name, guardian_relation, guardian_phone, "
                "guardian_phone_masked, created_at, updated_at) "
                f"SELECT n, h, v.region_id, v.code, {name}, "
                "CASE WHEN (n + k) % 2 = 0 THEN 'M' ELSE 'F' END, "
                f"{birth}, {cipher}, "
                f"m || {sql.hex32('n')}, "
                f"'140525********' || {sql.lpad('(n * 7) % 10000', 4)}, "
                f"{phone}, '13' || {sql.text('n % 10')} || '****' || {sql.lpad('n % 10000', 4)}, "
                "CASE k WHEN 0 THEN 'head' WHEN 1 THEN 'spouse' ELSE 'child' END, "
                "CASE WHEN n % 20 = 1 THEN 'away' WHEN n % 200 = 26 THEN 'moved' "
                "WHEN n % 200 = 75 THEN 'deceased' ELSE 'resident' END, "
                f"CASE WHEN {tagged} THEN {pick(SURNAMES, 'h * 7')} || '建国' ELSE '' END, "
                f"CASE WHEN {tagged} THEN '儿子' ELSE '' END, "
                f"CASE WHEN {tagged} THEN {guardian_phone} ELSE '' END, "
                f"CASE WHEN {tagged} THEN '139****' || {sql.lpad('n % 10000', 4)} ELSE '' END, "
                f"{stamp}, {stamp} "
                f"FROM ({people}) AS p JOIN bench_village v ON v.idx = {village_of}",
            )
            kinds = [kind.value for kind in Tag.Kind]
            kind = "CASE (id / 25) % {} {} END".format(
                len(kinds), " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(kinds))
            )
            run(
                cursor,
                "tags",
                f"INSERT INTO {tag_t} (person_id, kind, start_date, end_date, note) "
                f"SELECT id, {kind}, {sql.date_plus(dt.date(2015, 1, 1), '(id * 13) % 1800')}, "
                f"NULL, '' FROM {person_t} WHERE id % 25 < 2",
            )
            run(
                cursor,
                "tags",
                f"INSERT INTO {tag_t} (person_id, kind, start_date, end_date, note) "
                f"SELECT id, 'dibao', {sql.date(dt.date(2017, 1, 1))}, "
                f"{sql.date(dt.date(2019, 12, 31))}, '' FROM {person_t} WHERE id % 100 = 50",
            )
            checks = 0
            # 90% of the vulnerable were checked on each of the last three days; the others
            # last six days ago (stale).
            for days_ago, condition in ((0, "<>"), (1, "<>"), (2, "<>"), (6, "=")):
                day = today - dt.timedelta(days=days_ago)
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
                checks += run(
                    cursor,
                    "health_checks",
                    f"INSERT INTO {check_t} (person_id, region_id, checked_on, checked_at, "
                    "temperature, fever, cough, fatigue, sore_throat, other_symptom, method, "
                    "checked_by_id) "
                    f"SELECT id, region_id, {sql.date(day)}, {sql.timestamp(at)}, "
                    f"36.2 + (id % 7) / 10.0, {sql.false}, {sql.false}, {sql.false}, "
                    f"{sql.false}, '', CASE WHEN id % 3 = 0 THEN 'phone' ELSE 'visit' END, NULL "
                    f"FROM {person_t} WHERE id % 25 < 2 AND (id / 25) % 10 {condition} 0",
                )
            run(
                cursor,
                "roster",
                f"INSERT INTO {entry_t} (roster_id, region_id, register_no, name, id_index, "
                "id_masked) "
                "SELECT v.roster_id, p.region_id, h.register_no, p.name, p.id_index, "
                f"p.id_masked FROM {person_t} p JOIN {household_t} h ON h.id = p.household_id "
                "JOIN bench_village v ON v.code = p.village_code",
            )
            lost_index = f"md5({sql.text('n')} || 'lost') || md5({sql.text('n')} || 'gone')"
            lost_name = f"{pick(SURNAMES, 'n * 11')} || {pick(GIVEN, 'n * 17')}"
            # Odd n: a person missing from a household the ledger has.
            run(
                cursor,
                "roster",
                f"INSERT INTO {entry_t} (roster_id, region_id, register_no, name, id_index, "
                "id_masked) "
                f"SELECT v.roster_id, h.region_id, h.register_no, {lost_name}, {lost_index}, "
                f"'140525********' || {sql.lpad('n % 10000', 4)} "
                f"FROM {sql.series(missing)} "
                f"JOIN {household_t} h ON h.id = 1 + (n * 7919) % {households} "
                "JOIN bench_village v ON v.code = h.village_code WHERE n % 2 = 1",
            )
            # Even n: two persons each of households missing from the ledger altogether.
            run(
                cursor,
                "roster",
                f"INSERT INTO {entry_t} (roster_id, region_id, register_no, name, id_index, "
                "id_masked) "
                f"SELECT v.roster_id, v.region_id, {sql.lpad('900000000 + n / 4', 9)}, "
                f"{lost_name}, {lost_index}, '140525********' || {sql.lpad('n % 10000', 4)} "
                f"FROM {sql.series(missing)} "
                f"JOIN bench_village v ON v.idx = ((n / 4) * 37) % {count_v} WHERE n % 2 = 0",
            )
        cursor.execute("DROP TABLE bench_village")
        counts = dict(
            RosterEntry.objects.values_list("roster_id").annotate(n=Count("id")).order_by()
        )
        RosterImport.objects.bulk_update(
            [RosterImport(pk=pk, rows=counts.get(pk, 0)) for pk in roster_ids], ["rows"]
        )
        if sql.postgresql:
            for table in (person_t, household_t):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
    if sql.postgresql:
        # What autovacuum does to tables after a bulk load, done now on the whole scratch
        # database (the regions too: without their statistics the planner expects one village
        # and probes a million rows one by one): statistics, the visibility map and every
        # row's commit hint bits. Without it the first audit would also pay for setting the
        # hint bits of two million freshly written rows.
        with connection.cursor() as cursor:
            run(cursor, "vacuum_analyze", "VACUUM (ANALYZE)")
    return AuditData(
        persons=Person.objects.count(),
        households=Household.objects.count(),
        villages=count_v,
        tagged=Tag.objects.values("person_id").distinct().count(),
        checks=checks,
        roster_entries=RosterEntry.objects.count(),
        missing_households=len({n // 4 for n in range(2, missing + 1, 2)}),
        steps=steps,
    )
