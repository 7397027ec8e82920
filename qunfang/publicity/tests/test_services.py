import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qunfang.broadcast.models import Programme
from qunfang.broadcast.services import DEFAULT_SCHEDULE
from qunfang.core.models import AuditEvent
from qunfang.publicity import services
from qunfang.publicity.models import (
    Announcement,
    AnnouncementChannel,
    AnnouncementSeries,
    Article,
    MaterialDistribution,
)
from qunfang.publicity.tests.conftest import days_ago, moment

SERIES = "疫情防控指挥部通告"


def publish(actor, region, **kwargs):
    return services.announcement_publish(
        actor=actor,
        region=region,
        series=kwargs.pop("series", SERIES),
        title=kwargs.pop("title", "关于加强疫情防控工作的公告"),
        body=kwargs.pop("body", "正文"),
        channels=kwargs.pop("channels", ["tv", "radio"]),
        **kwargs,
    )


def written() -> list[int]:
    return [
        m.objects.count()
        for m in (AnnouncementSeries, Announcement, AnnouncementChannel, Programme, AuditEvent)
    ]


def test_numbers_run_per_series_and_the_next_is_taken_when_none_is_given(cast):
    first = publish(cast.hq, cast.district, issued_at=moment(3))
    second = publish(cast.hq, cast.district, issued_at=moment(2))
    other = publish(cast.hq, cast.district, series="辟谣公告", issued_at=moment(2))
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.series == second.series != other.series
    assert services.series_next_number(first.series) == 3
    assert str(second) == f"{SERIES}第2号"


def test_a_duplicate_number_is_refused_with_the_next_number_and_nothing_is_written(cast):
    publish(cast.hq, cast.district, number=1, issued_at=moment(5))
    publish(cast.hq, cast.district, number=4, issued_at=moment(4))
    before = written()
    with pytest.raises(ValidationError) as raised:
        publish(cast.hq, cast.district, number=4, channels=["loudspeaker", "tv"])
    message = raised.value.message_dict["number"][0]
    assert f"《{SERIES}》第4号已于{days_ago(4).isoformat()}发布" in message
    assert "下一期应为第5号" in message
    assert written() == before


def test_a_new_series_named_in_a_failing_call_is_not_left_behind(cast):
    before = written()
    with pytest.raises(ValidationError) as raised:
        publish(cast.hq, cast.district, series="新系列", title="  ", channels=[])
    assert set(raised.value.message_dict) == {"title", "channels"}
    assert written() == before


@pytest.mark.parametrize("number", [0, -3, 2.5, True, "3"])
def test_a_number_that_is_not_a_positive_whole_number_is_refused(cast, number):
    with pytest.raises(ValidationError) as raised:
        publish(cast.hq, cast.district, number=number)
    assert raised.value.message_dict["number"] == ["期号应为正整数。"]
    assert Announcement.objects.count() == 0


def test_unknown_channels_and_future_issue_times_are_refused(cast):
    future = moment(-2)
    with pytest.raises(ValidationError) as raised:
        publish(cast.hq, cast.district, channels=["tv", "telegram"], issued_at=future)
    errors = raised.value.message_dict
    assert errors["channels"] == ["未知的发布渠道：telegram。"]
    assert errors["issued_at"] == ["发布时间不能晚于现在。"]


def test_channels_keep_their_own_times(cast):
    issued = moment(2, 9)
    announcement = publish(
        cast.hq,
        cast.district,
        issued_at=issued,
        channels={"tv": None, "new_media": issued + dt.timedelta(hours=3)},
    )
    times = dict(announcement.channels.values_list("channel", "sent_at"))
    assert times == {"tv": issued, "new_media": issued + dt.timedelta(hours=3)}


def test_sending_to_the_loudspeakers_creates_a_daily_programme(cast):
    announcement = publish(
        cast.hq, cast.district, channels=["loudspeaker", "tv"], issued_at=moment(1)
    )
    programme = Programme.objects.get(announcement=announcement)
    assert programme.region == cast.district
    assert programme.schedule == DEFAULT_SCHEDULE
    assert programme.plays_per_day == 3
    assert programme.start_date == days_ago(1)
    assert (programme.end_date - programme.start_date).days == 6
    assert programme.title.startswith(f"{SERIES}第1号")


def test_the_integration_entry_point_records_its_source_and_audits(cast):
    """The opinion module publishes a rumour debunk through announcement_publish."""
    debunk = services.announcement_publish(
        actor=cast.dept,
        region=cast.district,
        series="辟谣公告",
        title="网传“自来水停供”系谣言",
        body="经核实，全区供水正常。",
        channels=["new_media", "loudspeaker"],
        source_label="舆情辟谣",
    )
    assert debunk.source_label == "舆情辟谣"
    assert debunk.created_by == cast.dept
    assert debunk.number == 1
    audit = AuditEvent.objects.get(action="create", target="公告 辟谣公告第1号")
    assert audit.region_code == cast.district.code
    assert audit.detail["channels"] == ["loudspeaker", "new_media"]
    assert audit.detail["source"] == "舆情辟谣"


@pytest.mark.parametrize("persona", ["volunteer", "grid_worker", "auditor", "other_town_cadre"])
def test_people_who_do_not_run_publicity_at_the_region_may_not_publish(cast, persona):
    with pytest.raises(PermissionDenied):
        publish(getattr(cast, persona), cast.town)
    assert Announcement.objects.count() == 0


def test_a_series_of_another_region_cannot_be_used(cast):
    district_series = publish(cast.hq, cast.district).series
    with pytest.raises(ValidationError) as raised:
        publish(cast.town_cadre, cast.town, series=district_series)
    assert "属于泽州县" in raised.value.message_dict["series"][0]
    assert Announcement.objects.count() == 1


def test_a_channel_is_added_once(cast):
    announcement = publish(cast.hq, cast.district, channels=["tv"], issued_at=moment(1))
    services.announcement_add_channel(actor=cast.hq, announcement=announcement, channel="poster")
    with pytest.raises(ValidationError) as raised:
        services.announcement_add_channel(
            actor=cast.hq, announcement=announcement, channel="poster"
        )
    assert "已于" in raised.value.message_dict["channel"][0]
    assert announcement.channels.count() == 2


@pytest.mark.parametrize("quantity", [0, -5, 2.5, None, True])
def test_material_quantities_must_be_positive_whole_numbers(cast, quantity):
    with pytest.raises(ValidationError) as raised:
        services.material_record(
            actor=cast.village_cadre,
            region=cast.village,
            kind="banner",
            quantity=quantity,
            distributed_on=days_ago(1),
        )
    assert raised.value.message_dict["quantity"] == ["数量应为正整数，不能为 0、负数或小数。"]
    assert MaterialDistribution.objects.count() == 0


def test_a_village_cadre_records_materials_for_their_own_village_only(cast):
    services.material_record(
        actor=cast.village_cadre,
        region=cast.village,
        kind="banner",
        quantity=6,
        distributed_on=days_ago(1),
    )
    with pytest.raises(PermissionDenied):
        services.material_record(
            actor=cast.village_cadre,
            region=cast.sibling_village,
            kind="banner",
            quantity=6,
            distributed_on=days_ago(1),
        )
    assert MaterialDistribution.objects.count() == 1


def test_press_items_need_a_known_level_and_a_past_date(cast):
    with pytest.raises(ValidationError) as raised:
        services.press_item_record(
            actor=cast.hq,
            region=cast.district,
            outlet="新华网",
            level="global",
            title="标题",
            published_on=days_ago(-1),
        )
    assert set(raised.value.message_dict) == {"level", "published_on"}


def test_article_counts_are_replaced_and_audited(cast):
    article = services.article_record(
        actor=cast.hq,
        region=cast.district,
        account="泽州发布",
        title="青年突击队",
        published_on=days_ago(2),
        reads=100,
    )
    services.article_update_counts(actor=cast.hq, article=article, reads=5000, reprints=2)
    article.refresh_from_db()
    assert (article.reads, article.reprints) == (5000, 2)
    audit = AuditEvent.objects.filter(action="update").latest("id")
    assert audit.detail["before"] == {"reads": 100, "reprints": 0}
    with pytest.raises(ValidationError):
        services.article_update_counts(actor=cast.hq, article=article, reads=-1, reprints=0)
    assert Article.objects.get().reads == 5000


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/a", "新华网"])
def test_press_links_must_be_web_addresses(cast, url):
    with pytest.raises(ValidationError) as raised:
        services.press_item_record(
            actor=cast.hq,
            region=cast.district,
            outlet="新华网",
            level="central",
            title="标题",
            published_on=days_ago(1),
            url=url,
        )
    assert raised.value.message_dict["url"] == ["链接应为 http:// 或 https:// 开头的完整网址。"]
