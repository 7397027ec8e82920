"""The completeness audit (村不漏户、户不漏人): the ledger against the imported household roster.

For each village: roster households missing from the ledger, roster persons missing from the
ledger, vulnerable persons unchecked for N days, and completeness = roster persons found in
the ledger ÷ roster persons. Villages roll up into towns and the region asked for. A handful
of grouped queries whatever the number of persons.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from qunfang.org.access import scoped, subtree_q
from qunfang.org.models import Region
from qunfang.org.roles import Level
from qunfang.residents.models import HealthCheck, Household, Person, RosterEntry, Tag
from qunfang.residents.rules import STALE_DAYS
from qunfang.residents.selectors import active_tags_q


@dataclass
class AuditLine:
    code: str
    name: str
    level: str
    villages: int = 0
    villages_with_roster: int = 0
    roster_households: int = 0
    missing_households: int = 0
    roster_persons: int = 0
    found_persons: int = 0
    ledger_persons: int = 0
    vulnerable: int = 0
    stale_vulnerable: int = 0
    children: list["AuditLine"] = field(default_factory=list)

    @property
    def missing_persons(self) -> int:
        return self.roster_persons - self.found_persons

    @property
    def completeness(self) -> float | None:
        """Percentage of roster persons found in the ledger; None when no roster is loaded."""
        if not self.roster_persons:
            return None
        return round(100 * self.found_persons / self.roster_persons, 1)

    def add(self, other: "AuditLine") -> None:
        for name in (
            "villages",
            "villages_with_roster",
            "roster_households",
            "missing_households",
            "roster_persons",
            "found_persons",
            "ledger_persons",
            "vulnerable",
            "stale_vulnerable",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "villages": self.villages,
            "villages_with_roster": self.villages_with_roster,
            "roster_households": self.roster_households,
            "missing_households": self.missing_households,
            "roster_persons": self.roster_persons,
            "found_persons": self.found_persons,
            "missing_persons": self.missing_persons,
            "ledger_persons": self.ledger_persons,
            "vulnerable": self.vulnerable,
            "stale_vulnerable": self.stale_vulnerable,
            "completeness": self.completeness,
        }


def completeness_audit(
    user, region: Region, *, stale_days: int = STALE_DAYS, today: dt.date | None = None
) -> AuditLine:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The per-village DISTINCT counts sort a million rows; at the default 4 MB they
            # spill to disk. The setting ends with this transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
        return _audit(user, region, stale_days=stale_days, today=today)


def _audit(user, region: Region, *, stale_days: int, today: dt.date | None) -> AuditLine:
    today = today or timezone.localdate()
    # Rows are narrowed by region id (a small hashed set) and grouped by stored codes/ids, not
    # by expressions over a million joined rows.
    region_ids = scoped(Region.objects.filter(subtree_q(region.code)), user).values("pk")
    villages = dict(
        scoped(
            Region.objects.filter(subtree_q(region.code), level=Level.VILLAGE), user
        ).values_list("pk", "code")
    )
    # order_by(): the models' default ordering (by region code) would join the region table
    # into every grouped query for nothing.
    roster = RosterEntry.objects.filter(region_id__in=region_ids).order_by()
    people = Person.objects.filter(region_id__in=region_ids).order_by()

    per_village: dict[str, dict[str, int]] = {}

    def bump(rows, key: str, **names) -> None:
        for row in rows:
            code = villages.get(row[key]) if key == "region_id" else row[key]
            if code is None:
                continue
            line = per_village.setdefault(code, {})
            for target, source in names.items():
                line[target] = line.get(target, 0) + row[source]

    # EXISTS goes in WHERE, never inside COUNT(… FILTER): there PostgreSQL runs it once per
    # row (a million index probes); in WHERE it plans a hashed semi-join.
    found = Person.objects.filter(
        id_index=OuterRef("id_index"), village_code=OuterRef("region__code")
    )
    bump(
        roster.values("region_id").annotate(
            persons=Count("id"), households=Count("register_no", distinct=True)
        ),
        "region_id",
        roster_persons="persons",
        roster_households="households",
    )
    bump(
        roster.filter(Exists(found)).values("region_id").annotate(n=Count("id")),
        "region_id",
        found_persons="n",
    )
    known_household = Household.objects.filter(
        village_code=OuterRef("region__code"), register_no=OuterRef("register_no")
    )
    bump(
        roster.exclude(Exists(known_household))
        .values("region_id")
        .annotate(missing=Count("register_no", distinct=True)),
        "region_id",
        missing_households="missing",
    )
    bump(people.values("village_code").annotate(n=Count("id")), "village_code", ledger_persons="n")
    vulnerable = people.filter(
        status__in=[Person.Status.RESIDENT, Person.Status.AWAY],
        pk__in=Tag.objects.filter(active_tags_q(today)).values("person_id"),
    )
    recent = HealthCheck.objects.filter(
        person=OuterRef("pk"), checked_on__gt=today - dt.timedelta(days=stale_days)
    )
    # One pass for both: the EXISTS in the FILTER runs once per vulnerable person (an index
    # probe each, tens of thousands), not once per person.
    bump(
        vulnerable.values("village_code").annotate(
            n=Count("id"), stale=Count("id", filter=~Q(Exists(recent)))
        ),
        "village_code",
        vulnerable="n",
        stale_vulnerable="stale",
    )
    return _roll_up(user, region, per_village)


def _roll_up(user, region: Region, per_village: dict[str, dict[str, int]]) -> AuditLine:
    nodes = scoped(
        Region.objects.filter(
            subtree_q(region.code), level__in=[Level.COUNTY, Level.TOWN, Level.VILLAGE]
        ),
        user,
    ) | Region.objects.filter(pk=region.pk)
    lines = {node.code: AuditLine(node.code, node.display_name, node.level) for node in nodes}
    for code, counts in per_village.items():
        line = lines.get(code)
        if line is None:
            continue
        for name, value in counts.items():
            setattr(line, name, value)
    for line in lines.values():
        if line.level == Level.VILLAGE:
            line.villages = 1
            line.villages_with_roster = 1 if line.roster_persons else 0
    top = lines[region.code]
    # Villages add up into their town, towns into their county, and so on up to the top.
    for code in sorted(lines, key=len, reverse=True):
        if code == region.code:
            continue
        line = lines[code]
        parent_code = next(
            (code[:n] for n in (9, 6, 4, 2) if n < len(code) and code[:n] in lines), None
        )
        if parent_code is None:
            continue
        parent = lines[parent_code]
        parent.add(line)
        parent.children.append(line)
    for line in lines.values():
        line.children.sort(key=lambda child: child.code)
    return top
