"""Schemes check their syntax; tickets go open → replied → closed (or back), each step by the
right person, in order, audited; debunks join the library."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qunfang.core.models import AuditEvent
from qunfang.opinion import services
from qunfang.opinion.models import Debunk, OpinionAlert, Post, Ticket, TicketStep
from qunfang.opinion.tests.conftest import push
from qunfang.org.models import Department


def test_a_scheme_syntax_error_names_its_position():
    with pytest.raises(ValidationError) as caught:
        services.scheme_check("(泽州 OR 高平 AND 疫情")
    assert "字符处" in caught.value.messages[0]
    assert services.scheme_test("泽州 AND")["ok"] is False


def test_scheme_test_reports_the_sample_and_matching_posts():
    result = services.scheme_test(
        "泽州 AND 疫情", sample="泽州县疫情防控", posts=[(1, "泽州疫情通报"), (2, "高平疫情")]
    )
    assert result["sample_matches"] is True
    assert result["matched_ids"] == [1]


def test_only_managers_in_scope_save_schemes(cast):
    with pytest.raises(PermissionDenied):
        services.scheme_save(
            actor=cast.village_cadre, region=cast.village, name="x", expression="泽州"
        )
    with pytest.raises(PermissionDenied):
        services.scheme_save(
            actor=cast.other_town_cadre, region=cast.district, name="x", expression="泽州"
        )
    scheme = services.scheme_save(
        actor=cast.dept, region=cast.district, name="x", expression="泽州"
    )
    assert AuditEvent.objects.filter(target=f"opinion.Scheme:{scheme.pk}").exists()
    with pytest.raises(ValidationError):
        services.scheme_save(actor=cast.dept, region=cast.district, name="x", expression="高平")


@pytest.fixture
def office(cast) -> Department:
    return Department.objects.get(region=cast.town, kind=Department.Kind.CIVIL_AFFAIRS)


def send_ticket(cast, office, **extra) -> Ticket:
    return services.ticket_create(
        actor=cast.hq,
        department=office,
        owner=cast.town_cadre,
        title="核实南村镇聚集传言",
        deadline=timezone.now() + dt.timedelta(hours=24),
        **extra,
    )


def test_a_ticket_lives_its_whole_life(cast, office, source):
    post = Post.objects.get(pk=push(source, "南村镇明天集合讨说法").post_ids[0])
    alert = OpinionAlert.objects.create(
        kind="risk", region_code=post.region_code, post=post, level="high", summary="号召聚集"
    )
    ticket = send_ticket(cast, office, post=post, alert=alert)
    assert ticket.number.endswith("-0001") and ticket.status == "open"
    alert.refresh_from_db()
    assert alert.status == "escalated"
    with pytest.raises(ValidationError):
        services.ticket_close(actor=cast.hq, ticket=ticket)  # not answered yet
    with pytest.raises(PermissionDenied):
        services.ticket_reply(actor=cast.village_cadre, ticket=ticket, reply="不是我的")
    ticket = services.ticket_reply(actor=cast.town_cadre, ticket=ticket, reply="已核实，系谣传")
    ticket = services.ticket_return(actor=cast.hq, ticket=ticket, note="请附劝导记录")
    assert ticket.status == "open"
    ticket = services.ticket_reply(actor=cast.town_cadre, ticket=ticket, reply="已补充记录")
    ticket = services.ticket_close(actor=cast.hq, ticket=ticket, note="办结")
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert list(ticket.steps.values_list("action", flat=True)) == [
        "created",
        "replied",
        "returned",
        "replied",
        "closed",
    ]
    assert AuditEvent.objects.filter(target=f"opinion.Ticket:{ticket.pk}").count() == 5


def test_ticket_numbers_count_up_within_the_year(cast, office):
    first, second = send_ticket(cast, office), send_ticket(cast, office)
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"{year}-0001", f"{year}-0002")


def test_a_ticket_needs_an_owner_from_the_department_tree_and_a_future_deadline(cast, office):
    with pytest.raises(ValidationError):
        services.ticket_create(
            actor=cast.hq,
            department=office,
            owner=cast.other_town_cadre,
            title="x",
            deadline=timezone.now() + dt.timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        services.ticket_create(
            actor=cast.hq,
            department=office,
            owner=cast.town_cadre,
            title="x",
            deadline=timezone.now() - dt.timedelta(hours=1),
        )
    with pytest.raises(PermissionDenied):
        services.ticket_create(
            actor=cast.village_cadre,
            department=office,
            owner=cast.town_cadre,
            title="x",
            deadline=timezone.now() + dt.timedelta(hours=1),
        )
    assert not Ticket.objects.exists() and not TicketStep.objects.exists()


def test_an_unanswered_ticket_past_its_deadline_is_overdue_and_a_reply_stops_the_clock(
    cast, office
):
    ticket = send_ticket(cast, office)
    Ticket.objects.filter(pk=ticket.pk).update(deadline=timezone.now() - dt.timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.overdue
    ticket = services.ticket_reply(actor=cast.town_cadre, ticket=ticket, reply="迟到的回复")
    assert not ticket.overdue


def test_a_debunk_joins_the_library_and_the_engine_links_posts_to_it(cast, source):
    debunk = services.debunk_save(
        actor=cast.hq,
        region=cast.district,
        claim="泽州县自来水被病毒污染不能喝",
        rebuttal="县水务局检测合格",
        authority="泽州县水务局",
        published_on=timezone.localdate(),
    )
    assert Debunk.objects.filter(pk=debunk.pk, key__startswith="qf-").exists()
    post = Post.objects.get(pk=push(source, "紧急：泽州县自来水被病毒污染了，不能喝！").post_ids[0])
    assert post.debunk == debunk


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        (["自来水有毒", "  ", "水不能喝 "], ["自来水有毒", "水不能喝"]),
        (5, []),
        ({"x": 1}, []),
        ("自来水", []),
        ([1, ["嵌套"], "能读的"], ["能读的"]),
    ],
)
def test_a_debunks_phrasings_are_its_strings_whatever_the_row_holds(stored, read):
    assert services.phrasings(stored) == read


def test_a_debunk_row_with_unreadable_phrasings_does_not_stop_the_engine(cast, source):
    # A number typed into the admin's JSON box had made list() fail where the engine loads
    # the library: every post pushed afterwards was a server error.
    Debunk.objects.create(region=cast.district, claim="泽州县自来水被病毒污染不能喝", variants=5)

    post = Post.objects.get(pk=push(source, "紧急：泽州县自来水被病毒污染了，不能喝！").post_ids[0])

    assert post.debunk is not None


def test_a_debunk_is_published_once_as_a_numbered_announcement(cast):
    from qunfang.publicity.models import Announcement

    debunk = services.debunk_save(actor=cast.hq, region=cast.district, claim="泽州封城了")
    announcement = services.debunk_publish(actor=cast.dept, debunk=debunk, region=cast.district)
    assert str(announcement) == "辟谣公告第1号"
    assert set(announcement.channels.values_list("channel", flat=True)) == {
        "new_media",
        "loudspeaker",
    }
    debunk.refresh_from_db()
    assert debunk.announcement_label == "辟谣公告第1号"
    with pytest.raises(ValidationError):
        services.debunk_publish(actor=cast.dept, debunk=debunk, region=cast.district)
    other = services.debunk_save(actor=cast.hq, region=cast.district, claim="米山封村了")
    with pytest.raises(PermissionDenied):
        services.debunk_publish(actor=cast.counsellor, debunk=other, region=cast.district)
    assert Announcement.objects.count() == 1
