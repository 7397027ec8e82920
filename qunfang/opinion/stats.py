"""The publicity group's figures for its summaries: how much was found, how much concerns the
locality and the epidemic, how much is negative or carries each risk, how much was escalated,
answered and debunked — for one region's subtree and one period."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from qunfang.opinion.models import Debunk, Post, RiskCategory, Ticket, TicketStep
from qunfang.org.access import subtree_q


@dataclass
class OpinionCounts:
    found: int = 0
    local: int = 0
    epidemic: int = 0
    negative: int = 0
    high_risk: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    replied: int = 0
    closed: int = 0
    overdue: int = 0
    debunked: int = 0
    linked_to_debunks: int = 0

    def sentence(self) -> str:
        c = self.by_category
        return (
            f"监测到相关信息{self.found}条，其中涉及本地{self.local}条、涉疫{self.epidemic}条、"
            f"负面{self.negative}条；发现谣言类{c.get('rumour', 0)}条、"
            f"煽动性{c.get('inciting', 0)}条、号召聚集{c.get('gathering', 0)}条、"
            f"攻击党委政府{c.get('anti_government', 0)}条；转督办{self.escalated}件，"
            f"已回复{self.replied}件；辟谣{self.debunked}条。"
        )


def opinion_counts(code: str, since: dt.datetime, until: dt.datetime) -> OpinionCounts:
    """Figures for the region `code` and everything below it, for posts published and tickets
    sent in [since, until)."""
    posts = Post.objects.filter(subtree_q(code, "region_code"), published_at__gte=since).filter(
        published_at__lt=until
    )
    aggregates = {
        "found": Count("id"),
        "local": Count("id", filter=Q(local=True)),
        "epidemic": Count("id", filter=Q(epidemic=True)),
        "negative": Count("id", filter=Q(sentiment="negative")),
        "high_risk": Count("id", filter=Q(risk_level="high")),
        "linked": Count("id", filter=Q(debunk__isnull=False)),
    }
    for category in RiskCategory.values:
        aggregates[f"cat_{category}"] = Count(
            "id", filter=Q(risk_categories__contains=f",{category},")
        )
    row = posts.aggregate(**aggregates)
    tickets = Ticket.objects.filter(subtree_q(code, "region_code"))
    steps = TicketStep.objects.filter(ticket__in=tickets.values("pk"), at__gte=since, at__lt=until)
    return OpinionCounts(
        found=row["found"],
        local=row["local"],
        epidemic=row["epidemic"],
        negative=row["negative"],
        high_risk=row["high_risk"],
        by_category={c: row[f"cat_{c}"] for c in RiskCategory.values},
        escalated=tickets.filter(created_at__gte=since, created_at__lt=until).count(),
        replied=steps.filter(action=TicketStep.Action.REPLIED).values("ticket").distinct().count(),
        closed=steps.filter(action=TicketStep.Action.CLOSED).count(),
        overdue=tickets.filter(status=Ticket.Status.OPEN, deadline__lt=until).count(),
        debunked=Debunk.objects.filter(subtree_q(code, "region__code"))
        .filter(
            Q(
                published_on__gte=timezone.localdate(since),
                published_on__lte=timezone.localdate(until - dt.timedelta(microseconds=1)),
            )
            | Q(announced_at__gte=since, announced_at__lt=until)
        )
        .count(),
        linked_to_debunks=row["linked"],
    )


def daily_volume(code: str, since: dt.datetime, until: dt.datetime) -> list[dict]:
    """Posts, negative posts and elevated-risk posts per day, for the overview chart."""
    from django.db.models.functions import TruncDay

    rows = (
        Post.objects.filter(subtree_q(code, "region_code"), published_at__gte=since)
        .filter(published_at__lt=until)
        .annotate(day=TruncDay("published_at"))
        .values("day")
        .annotate(
            n=Count("id"),
            negative=Count("id", filter=Q(sentiment="negative")),
            risky=Count("id", filter=~Q(risk_level="low")),
        )
        .order_by("day")
    )
    return [
        {
            "day": row["day"].date().isoformat(),
            "posts": row["n"],
            "negative": row["negative"],
            "risky": row["risky"],
        }
        for row in rows
    ]
