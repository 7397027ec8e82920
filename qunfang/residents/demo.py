"""Demo ledger for 南村镇 (140525100): households and persons with valid ID numbers and Faker
zh_CN names, vulnerability tags with guardians, a week of health rounds, a few symptom alerts
at different stages, and each village's household roster (with a few people the ledger
misses, so the completeness audit has something to find)."""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from faker import Faker

from qunfang.core.crypto import blind_index, encrypt
from qunfang.core.demo_context import DemoContext
from qunfang.core.idcard import check_char, mask_id_number, mask_phone
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.residents.models import (
    Alert,
    HealthCheck,
    Household,
    Person,
    Relation,
    RosterEntry,
    RosterImport,
    Tag,
)
from qunfang.residents.services import alert_transition, health_check_record

TOWN = "140525100"
PHONE_PREFIXES = ("135", "138", "139", "150", "151", "152", "157", "158", "183", "187", "188")


def seed(ctx: DemoContext) -> None:
    town = Region.objects.get(code=TOWN)
    if Person.objects.filter(village_code__startswith=TOWN).exists():
        ctx.say("台账：南村镇已有人员，跳过")
        return
    rng = random.Random(2020)
    fake = Faker("zh_CN")
    fake.seed_instance(2020)
    villages = list(town.children.filter(level=Level.VILLAGE).order_by("code"))
    grids = {}
    for grid in Region.objects.filter(level=Level.GRID, code__startswith=TOWN):
        grids.setdefault(grid.code[:12], []).append(grid)
    today = timezone.localdate()
    serial = iter(range(1, 10**6))

    people: list[Person] = []
    tags: list[tuple[int, Tag]] = []
    per_village = max(1, ctx.persons // max(1, len(villages)))
    for village in villages:
        made = 0
        house_no = 0
        while made < per_village:
            house_no += 1
            home = rng.choice(grids.get(village.code, [village]))
            household = Household(
                region=home,
                village_code=village.code,
                register_no=f"{village.code[-6:]}{house_no:04d}",
                address=f"{village.display_name}{house_no}号",
            )
            members = _family(rng, fake, today)
            household.save()
            for relation, sex, birth in members:
                number = _id_number(rng, birth, sex, next(serial))
                phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                person = Person(
                    household=household,
                    region=home,
                    village_code=village.code,
                    name=_name(fake, sex),
                    sex=sex,
                    birth_date=birth,
                    id_number=encrypt(number),
                    id_index=blind_index(number),
                    id_masked=mask_id_number(number),
                    phone=encrypt(phone) if relation != Relation.CHILD or birth.year < 2005 else "",
                    phone_masked=mask_phone(phone)
                    if relation != Relation.CHILD or birth.year < 2005
                    else "",
                    relation=relation,
                )
                kind = _vulnerability(rng, person, today, len(members))
                if kind:
                    guardian_phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                    person.guardian_name = _name(fake, rng.choice("MF"))
                    person.guardian_relation = "子女" if person.birth_date.year < 1960 else "祖父母"
                    person.guardian_phone = encrypt(guardian_phone)
                    person.guardian_phone_masked = mask_phone(guardian_phone)
                    start = today - dt.timedelta(days=rng.randrange(30, 1500))
                    tags.append((len(people), Tag(kind=kind, start_date=start)))
                people.append(person)
                made += 1
    Person.objects.bulk_create(people, batch_size=1000)
    for index, tag in tags:
        tag.person = people[index]
    Tag.objects.bulk_create([tag for _i, tag in tags], batch_size=1000)
    ctx.say(f"台账：南村镇 {len(villages)} 个村 {len(people)} 人，困难对象 {len(tags)} 人")

    _rounds(ctx, rng, [people[i] for i, _t in tags], today)
    _rosters(ctx, rng, villages, people, today)


def _family(rng: random.Random, fake: Faker, today: dt.date) -> list[tuple[str, str, dt.date]]:
    def born(low: int, high: int) -> dt.date:
        return today - dt.timedelta(days=rng.randrange(low * 365, high * 365))

    size = rng.choices([1, 2, 3, 4, 5], weights=[12, 25, 25, 25, 13])[0]
    head_sex = rng.choice("MF")
    members = [(Relation.HEAD, head_sex, born(25, 88))]
    if size >= 2:
        members.append((Relation.SPOUSE, "F" if head_sex == "M" else "M", born(25, 85)))
    for _ in range(size - 2):
        members.append(
            (
                rng.choice([Relation.CHILD, Relation.CHILD, Relation.PARENT, Relation.GRANDCHILD]),
                rng.choice("MF"),
                born(1, 40),
            )
        )
    return members


def _name(fake: Faker, sex: str) -> str:
    return fake.name_male() if sex == "M" else fake.name_female()


def _id_number(rng: random.Random, birth: dt.date, sex: str, serial: int) -> str:
    order = (serial % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"140525{birth:%Y%m%d}{order:03d}"
    return first17 + check_char(first17)


def _vulnerability(rng: random.Random, person: Person, today: dt.date, household_size: int) -> str:
    age = (today - person.birth_date).days // 365
    if age >= 70 and household_size <= 2 and rng.random() < 0.6:
        return Tag.Kind.ELDERLY
    if age < 16 and rng.random() < 0.25:
        return rng.choice(
            [Tag.Kind.LEFT_BEHIND_CHILD] * 5 + [Tag.Kind.CHILD_IN_DIFFICULTY, Tag.Kind.ORPHAN]
        )
    roll = rng.random()
    if roll < 0.04:
        return Tag.Kind.DIBAO
    if roll < 0.05:
        return Tag.Kind.TEKUN
    if roll < 0.055:
        return Tag.Kind.WUBAO
    if roll < 0.065:
        return Tag.Kind.SEVERE_DISABILITY
    if roll < 0.07:
        return Tag.Kind.MEDIC_FAMILY
    return ""


def _rounds(ctx: DemoContext, rng: random.Random, vulnerable: list[Person], today: dt.date) -> None:
    User = get_user_model()
    cadre = (
        User.objects.filter(username="nc_nancun").first()
        or User.objects.filter(is_superuser=True).first()
    )
    checks = []
    for days_ago in range(7, 0, -1):
        day = today - dt.timedelta(days=days_ago)
        for person in vulnerable:
            if rng.random() < 0.88:
                at = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(8 + rng.randrange(10), rng.randrange(60)))
                )
                checks.append(
                    HealthCheck(
                        person=person,
                        region=person.region,
                        checked_on=day,
                        checked_at=at,
                        temperature=Decimal(rng.choice(["36.2", "36.4", "36.5", "36.6", "36.8"])),
                        method=rng.choice(HealthCheck.Method.values),
                        checked_by=cadre,
                    )
                )
    HealthCheck.objects.bulk_create(checks, batch_size=2000)
    # Today: about half of every village's round done, and three people with symptoms at
    # different stages in 南村村, the demo village cadre's own village.
    done_today = [person for person in vulnerable if rng.random() < 0.5]
    for person in done_today:
        health_check_record(
            actor=cadre, person=person, method=HealthCheck.Method.PHONE, temperature=Decimal("36.5")
        )
    checked = {person.pk for person in done_today}
    unchecked = [person for person in vulnerable if person.pk not in checked]
    feverish = [p for p in unchecked if p.village_code == "140525100200"][:3] or unchecked[:3]
    alerts = []
    for person, temperature, cough in zip(
        feverish, ["38.2", "37.5", "36.9"], [False, True, True], strict=False
    ):
        _check, alert = health_check_record(
            actor=cadre,
            person=person,
            method=HealthCheck.Method.VISIT,
            temperature=Decimal(temperature),
            cough=cough,
        )
        alerts.append(alert)
    if len(alerts) >= 2:
        alert_transition(
            actor=cadre,
            alert=alerts[1],
            to_status=Alert.Status.ISOLATED_HOME,
            note="居家隔离，网格员每日随访",
        )
    if alerts:
        # One alert left untouched past its deadline, so the overdue view has something to show.
        Alert.objects.filter(pk=alerts[0].pk).update(
            raised_at=timezone.now() - dt.timedelta(hours=5),
            status_changed_at=timezone.now() - dt.timedelta(hours=5),
            due_at=timezone.now() - dt.timedelta(hours=3),
        )
    ctx.say(f"健康巡查：近 7 天 {len(checks)} 人次，今日预警 {len(alerts)} 条")


def _rosters(
    ctx: DemoContext,
    rng: random.Random,
    villages: list[Region],
    people: list[Person],
    today: dt.date,
) -> None:
    by_village: dict[str, list[Person]] = {}
    for person in people:
        by_village.setdefault(person.village_code, []).append(person)
    entries = []
    missing = 0
    for village in villages:
        roster = RosterImport.objects.create(region=village, filename="演示名册.xlsx")
        members = by_village.get(village.code, [])
        for person in members:
            entries.append(
                RosterEntry(
                    roster=roster,
                    region=village,
                    register_no=person.household.register_no,
                    name=person.name,
                    id_index=person.id_index,
                    id_masked=person.id_masked,
                )
            )
        # A household and two people the ledger does not have yet.
        for extra in range(3 if rng.random() < 0.5 else 0):
            birth = today - dt.timedelta(days=rng.randrange(20 * 365, 60 * 365))
            number = _id_number(rng, birth, "M", 900 + extra)
            entries.append(
                RosterEntry(
                    roster=roster,
                    region=village,
                    register_no=f"{village.code[-6:]}9{extra:03d}",
                    name="未登记人员",
                    id_index=blind_index(number + village.code),
                    id_masked=mask_id_number(number),
                )
            )
            missing += 1
        roster.rows = len(members)
        roster.save(update_fields=["rows"])
    RosterEntry.objects.bulk_create(entries, batch_size=2000)
    ctx.say(f"户籍名册：{len(villages)} 个村 {len(entries)} 人（其中 {missing} 人台账未登记）")
