"""The demo: sources, the city's schemes, the seed rumour library, real posts replayed over the
last week, and tickets in every state — once."""

import io
from pathlib import Path

from django.utils import timezone

from qunfang.core.demo_context import DemoContext
from qunfang.opinion import demo
from qunfang.opinion.models import Debunk, Post, Scheme, Source, Ticket


def context(cast, posts: int) -> DemoContext:
    return DemoContext(
        city_code="1405",
        persons=0,
        posts=posts,
        stdout=io.StringIO(),
        logins_file=Path("/nonexistent"),
        objects={
            "user:zz_xuanchuan": cast.dept,
            "user:nc_zhen": cast.town_cadre,
            "region:town": cast.town,
        },
    )


def test_the_demo_feed_is_alive_and_seeded_once(cast):
    ctx = context(cast, posts=300)
    demo.seed(ctx)
    assert Source.objects.count() == 3
    assert Scheme.objects.count() == len(demo.SCHEMES)
    assert Debunk.objects.count() > 40
    real = Post.objects.filter(source__name="微博监测（泽州县）")
    assert real.count() == 300
    week_ago = timezone.now() - timezone.timedelta(days=7, minutes=10)
    assert not real.filter(published_at__lt=week_ago).exists()
    assert not real.filter(published_at__gt=timezone.now()).exists()
    local = Post.objects.filter(source__name="本地论坛（演示帖）")
    assert local.filter(local=True).count() >= 6  # the cast loads two towns only
    assert local.filter(debunk__isnull=False).exists()  # 双黄连 restates a known rumour
    assert local.filter(risk_level="high").exists()
    states = set(Ticket.objects.values_list("status", flat=True))
    assert states == {"open", "replied", "closed"}
    assert any(t.overdue for t in Ticket.objects.all())
    again = context(cast, posts=300)
    demo.seed(again)
    assert Post.objects.count() == 300 + len(demo.LOCAL_POSTS)
    assert Ticket.objects.count() == 4
    assert "已存在" in again.stdout.getvalue()
