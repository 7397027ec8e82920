from qunfang.org.testing import assert_queryset_scoped
from qunfang.publicity import selectors, services, stats
from qunfang.publicity.models import MaterialKind
from qunfang.publicity.tests.conftest import days_ago, moment


def test_announcements_issued_per_series_and_the_latest_number(cast):
    for days in (10, 6, 2):
        services.announcement_publish(
            actor=cast.hq,
            region=cast.district,
            series="关于加强新型冠状病毒肺炎疫情防控工作的公告",
            title="通报",
            body="",
            channels=["tv"],
            issued_at=moment(days),
        )
    services.announcement_publish(
        actor=cast.hq,
        region=cast.district,
        series="辟谣公告",
        title="辟谣",
        body="",
        channels=["new_media"],
        issued_at=moment(2),
    )
    everything = stats.announcements_by_series(cast.hq, cast.district)
    assert [(s.name, s.issued, s.latest_number) for s in everything] == [
        ("关于加强新型冠状病毒肺炎疫情防控工作的公告", 3, 3),
        ("辟谣公告", 1, 1),
    ]
    # 已发布X期 as of a day in the past: issues after it do not count yet.
    then = stats.announcements_by_series(cast.hq, cast.district, days_ago(7), days_ago(5))
    assert [(s.issued, s.latest_number) for s in then] == [(1, 2)]


def test_every_count_is_scoped_to_the_user_and_the_region(cast, records):
    own = stats.publicity_summary(cast.village_cadre, cast.village)
    assert own.announcements_total == 1
    assert own.material(MaterialKind.LETTER) == 100
    assert own.press.total == 1 and own.press.by_level["province"] == 1
    assert (own.articles.articles, own.articles.reads, own.articles.reprints) == (1, 1000, 1)
    assert (own.experts.broadcasts, own.experts.viewers) == (1, 500)

    town = stats.publicity_summary(cast.town_cadre, cast.town)
    assert town.material(MaterialKind.LETTER) == 200
    assert town.articles.reads == 2000
    assert town.announcements_total == 2

    # A village cadre asking about the whole town still sees only their own village.
    narrowed = stats.publicity_summary(cast.village_cadre, cast.town)
    assert narrowed.material(MaterialKind.LETTER) == 100


def test_materials_by_kind_sum_quantities_within_the_window(cast):
    for quantity, days in ((600, 10), (400, 2)):
        services.material_record(
            actor=cast.town_cadre,
            region=cast.village,
            kind=MaterialKind.BANNER,
            quantity=quantity,
            distributed_on=days_ago(days),
        )
    rows = {m.kind: m for m in stats.materials_by_kind(cast.town_cadre, cast.town)}
    assert (rows["banner"].quantity, rows["banner"].batches) == (1000, 2)
    assert rows["board"].quantity == 0
    recent = stats.materials_by_kind(cast.town_cadre, cast.town, days_ago(5), None)
    assert next(m for m in recent if m.kind == "banner").quantity == 400


def test_selectors_are_scoped(cast, records):
    for name, selector in (
        ("press", selectors.press_list),
        ("article", selectors.article_list),
        ("material", selectors.material_list),
        ("expert", selectors.expert_list),
        ("announcement", selectors.announcement_list),
    ):
        assert_queryset_scoped(
            lambda user, selector=selector: selector(user),
            user=cast.village_cadre,
            visible=[getattr(records.own, name)],
            hidden=[getattr(records.sibling, name), getattr(records.foreign, name)],
        )
        assert_queryset_scoped(
            lambda user, selector=selector: selector(user),
            user=cast.other_town_cadre,
            visible=[getattr(records.foreign, name)],
            hidden=[getattr(records.own, name)],
        )
