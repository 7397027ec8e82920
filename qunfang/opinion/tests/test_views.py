"""Pages, export and admin: each shows what the user's scope holds and refuses the rest."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from qunfang.opinion import selectors, services
from qunfang.opinion.models import Debunk, Event, OpinionAlert, Post, Ticket
from qunfang.opinion.tests.conftest import push
from qunfang.org.models import Department
from qunfang.org.services import department_create
from qunfang.org.testing import (
    assert_admin_scoped,
    assert_queryset_scoped,
    assert_urls_allowed,
    assert_urls_refused,
    client_for,
)


@pytest.fixture
def world(cast, source, town_source, other_source):
    """A post in the district, one in the town, one in another county, with an alert, a ticket,
    an event and a debunk on the other county's side."""
    district_post = Post.objects.get(pk=push(source, "泽州县城区今天天气晴").post_ids[0])
    town_post = Post.objects.get(pk=push(town_source, "南村镇卡口排查返乡人员").post_ids[0])
    other_post = Post.objects.get(pk=push(other_source, "米山镇发热门诊排队").post_ids[0])
    other_alert = OpinionAlert.objects.create(
        kind="risk", region_code=other_post.region_code, post=other_post, level="high", summary="x"
    )
    other_event = Event.objects.create(
        key="e-other", region_code=other_post.region_code, label="米山"
    )
    other_debunk = services.debunk_save(
        actor=cast.superuser, region=cast.other_town, claim="米山镇封村了"
    )
    other_scheme = services.scheme_save(
        actor=cast.superuser, region=cast.other_town, name="米山疫情", expression="米山 AND 疫情"
    )
    other_ticket = services.ticket_create(
        actor=cast.superuser,
        department=department_create(
            actor=cast.superuser, region=cast.other_town, kind=Department.Kind.COMMAND
        ),
        owner=cast.other_town_cadre,
        title="米山核实",
        deadline=timezone.now() + dt.timedelta(hours=5),
    )
    return {
        "district": district_post,
        "town": town_post,
        "other": other_post,
        "other_alert": other_alert,
        "other_event": other_event,
        "other_debunk": other_debunk,
        "other_scheme": other_scheme,
        "other_ticket": other_ticket,
    }


def feed_for(user):
    return selectors.feed(user, selectors.FeedFilter())


def test_the_feed_is_scoped(cast, world):
    assert_queryset_scoped(
        feed_for, user=cast.hq, visible=[world["district"], world["town"]], hidden=[world["other"]]
    )
    assert_queryset_scoped(
        feed_for,
        user=cast.town_cadre,
        visible=[world["town"]],
        hidden=[world["district"], world["other"]],
    )


def test_a_feed_filter_beyond_any_id_is_ignored_not_a_500(cast, world):
    client = client_for(cast.hq)
    impossible = {"event": "99999999999999999999999"}
    response = client.get(reverse("opinion:feed"), impossible)
    assert response.status_code == 200
    # Ignored, and said so: the feed is the unfiltered one, not an empty one.
    assert {p.pk for p in response.context["posts"]} == {world["district"].pk, world["town"].pk}
    assert "部分筛选条件无效，已忽略。" in [str(m) for m in response.context["messages"]]
    response = client.get(reverse("opinion:feed_export"), impossible)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[3]}
    assert {world["district"].text, world["town"].text} <= texts


def test_objects_of_another_county_are_refused_and_left_unchanged(cast, world):
    urls = [
        reverse("opinion:post", args=[world["other"].pk]),
        reverse("opinion:source", args=[world["other"].source_id]),
        reverse("opinion:event", args=[world["other_event"].pk]),
        reverse("opinion:debunk", args=[world["other_debunk"].pk]),
        reverse("opinion:ticket", args=[world["other_ticket"].pk]),
        reverse("opinion:alert_dismiss", args=[world["other_alert"].pk]),
        reverse("opinion:source_token", args=[world["other"].source_id]),
        reverse("opinion:source_upload", args=[world["other"].source_id]),
        reverse("opinion:scheme_edit", args=[world["other_scheme"].pk]),
        reverse("opinion:ticket_new") + f"?post={world['other'].pk}",
    ]
    assert_urls_refused(
        cast.hq,
        urls,
        unchanged=[
            world["other_alert"],
            world["other"].source,
            world["other_ticket"],
            world["other_scheme"],
        ],
    )
    # The pages of objects outside the scope do not admit they exist.
    client = client_for(cast.hq)
    for url in [*urls[:5], urls[8]]:
        assert client.get(url).status_code == 404, url


def test_people_without_the_opinion_line_are_refused(cast, world):
    pages = [reverse(f"opinion:{name}") for name in ("overview", "feed", "events", "alerts")]
    pages += [reverse("opinion:feed_export"), reverse("opinion:debunks")]
    for user in (cast.village_cadre, cast.grid_worker, cast.volunteer, cast.auditor):
        assert_urls_refused(user, pages, methods=("get",))


def test_every_page_opens_for_the_district_analyst(cast, world):
    post = world["district"]
    event = Event.objects.create(key="e-here", region_code=post.region_code, label="城区")
    assert_urls_allowed(
        cast.dept,
        [
            reverse("opinion:overview"),
            reverse("opinion:overview") + "?days=30",
            reverse("opinion:feed"),
            reverse("opinion:feed") + "?risk=elevated&sentiment=negative&since=2020-01-01",
            reverse("opinion:feed") + "?since=not-a-date&scheme=abc",
            reverse("opinion:post", args=[post.pk]),
            reverse("opinion:events"),
            reverse("opinion:event", args=[event.pk]),
            reverse("opinion:alerts"),
            reverse("opinion:tickets"),
            reverse("opinion:ticket_new") + f"?post={post.pk}",
            reverse("opinion:debunks"),
            reverse("opinion:debunk_new"),
            reverse("opinion:schemes"),
            reverse("opinion:scheme_new"),
            reverse("opinion:sources"),
            reverse("opinion:source_new"),
            reverse("opinion:source", args=[post.source_id]),
        ],
    )


def test_the_feed_pages_by_keyset(cast, source):
    push(source, *[f"第{i}条" for i in range(selectors.PAGE + 5)])
    client = client_for(cast.hq)
    first = client.get(reverse("opinion:feed"))
    assert len(first.context["posts"]) == selectors.PAGE
    second = client.get(reverse("opinion:feed") + "?" + first.context["next_query"])
    assert len(second.context["posts"]) == 5
    assert not {p.pk for p in first.context["posts"]} & {p.pk for p in second.context["posts"]}


def test_the_export_is_scoped_and_neutralises_formulas(cast, world, source):
    push(source, '=HYPERLINK("http://evil","点我") 泽州')
    response = client_for(cast.town_cadre).get(reverse("opinion:feed_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    texts = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[3]]
    assert world["town"].text in texts
    assert world["district"].text not in texts and world["other"].text not in texts
    response = client_for(cast.hq).get(reverse("opinion:feed_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True) if row[3]]
    assert not any(str(cell).startswith("=") for cell in cells)


def test_the_live_test_box_answers_json(cast, world):
    client = client_for(cast.hq)
    good = client.post(
        reverse("opinion:scheme_test"), {"expression": "南村镇", "sample": "南村镇好"}
    )
    assert good.json()["ok"] is True
    assert good.json()["sample_matches"] is True
    assert [p["id"] for p in good.json()["posts"]] == [world["town"].pk]
    bad = client.post(reverse("opinion:scheme_test"), {"expression": "(南村镇"})
    assert bad.json()["ok"] is False and "字符处" in bad.json()["error"]


def test_a_scheme_with_a_syntax_error_is_not_saved(cast):
    response = client_for(cast.hq).post(
        reverse("opinion:scheme_new"),
        {
            "region": cast.district.code,
            "name": "坏方案",
            "expression": "泽州 AND (疫情",
            "save": "1",
        },
    )
    assert response.status_code == 200
    assert "字符处" in response.content.decode()
    assert not services.Scheme.objects.filter(name="坏方案").exists()


def test_escalating_a_post_and_answering_through_the_pages(cast, source):
    post = Post.objects.get(pk=push(source, "南村镇明天集合").post_ids[0])
    office = Department.objects.get(region=cast.town, kind=Department.Kind.CIVIL_AFFAIRS)
    deadline = (timezone.localtime() + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")
    response = client_for(cast.hq).post(
        reverse("opinion:ticket_new"),
        {
            "post": post.pk,
            "title": "核实",
            "department": office.pk,
            "owner": cast.town_cadre.pk,
            "deadline": deadline,
            "send": "1",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.post == post
    owner = client_for(cast.town_cadre)
    assert (
        owner.post(
            reverse("opinion:ticket", args=[ticket.pk]), {"action": "reply", "note": "已处置"}
        ).status_code
        == 302
    )
    assert (
        client_for(cast.hq)
        .post(reverse("opinion:ticket", args=[ticket.pk]), {"action": "close", "note": ""})
        .status_code
        == 302
    )
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_the_uploaded_file_is_analysed_and_bad_rows_reported(cast, source, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = "weibo_id,text\n1,泽州县今天好\n2,\n3,南村镇卡口\n".encode()
    response = client_for(cast.hq).post(
        reverse("opinion:source_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("posts.csv", body, content_type="text/csv")},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any("新入库2条" in t for t in texts), texts
    assert any("第3行" in t for t in texts), texts
    assert Post.objects.filter(source=source).count() == 2


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        # Before, each of these was a server error: csv raised on the header, json recursed.
        (
            "posts.csv",
            b"id,te\rxt\n1,ok\n",
            "第1行的表头无法读取：CSV格式错误：未加引号的字段里有回车符",
        ),
        ("posts.jsonl", b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "嵌套过深"),
    ],
)
def test_an_unreadable_upload_gets_a_chinese_message_and_writes_nothing(
    cast, source, name, body, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(cast.hq).post(
        reverse("opinion:source_upload", args=[source.pk]),
        {"file": SimpleUploadedFile(name, body, content_type="text/plain")},
        follow=True,
    )

    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert any(message in t for t in texts), texts
    assert not Post.objects.filter(source=source).exists()


def test_an_upload_of_the_wrong_kind_writes_nothing(cast, source):
    from django.core.files.uploadedfile import SimpleUploadedFile

    # Readable posts, under a name no reader is for: refused by its kind, not by its content.
    response = client_for(cast.hq).post(
        reverse("opinion:source_upload", args=[source.pk]),
        {
            "file": SimpleUploadedFile(
                "posts.exe", "weibo_id,text\n1,泽州\n".encode(), content_type="x"
            )
        },
        follow=True,
    )
    assert response.status_code == 200
    texts = [str(m) for m in response.context["messages"]]
    assert "只接受 CSV、TSV、JSONL 文件（可 .gz 压缩）。" in texts, texts
    assert not Post.objects.exists()


def test_the_admin_edits_a_debunks_phrasings_one_per_line(cast):
    client = client_for(cast.superuser)
    form = {
        "region": cast.district.pk,
        "claim": "泽州县自来水被病毒污染不能喝",
        "rebuttal": "检测合格",
        "source": "",
        "authority": "泽州县水务局",
        "published_on": "2026-11-30",
        "url": "",
    }

    response = client.post(
        "/admin/opinion/debunk/add/", {**form, "variants": "自来水有毒\n\n 水不能喝 "}
    )
    assert response.status_code == 302
    debunk = Debunk.objects.get()
    assert debunk.variants == ["自来水有毒", "水不能喝"]
    page = client.get(f"/admin/opinion/debunk/{debunk.pk}/change/").content.decode()
    assert "自来水有毒\n水不能喝</textarea>" in page

    # A NUL is a form error; on PostgreSQL the JSON box had passed it on (a server error).
    response = client.post("/admin/opinion/debunk/add/", {**form, "variants": "a\x00b"})
    assert response.status_code == 200
    assert Debunk.objects.count() == 1


def test_the_admin_is_scoped(cast, world):
    assert_admin_scoped(
        cast.hq,
        changelist_url="/admin/opinion/post/",
        visible=world["district"],
        hidden=world["other"],
    )
    assert_admin_scoped(
        cast.hq,
        changelist_url="/admin/opinion/debunk/",
        visible=Debunk.objects.create(region=cast.district, claim="泽州谣言"),
        hidden=world["other_debunk"],
    )
