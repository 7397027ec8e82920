import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_urls_allowed, assert_urls_refused, client_for
from qunfang.publicity.models import (
    Announcement,
    Article,
    ExpertBroadcast,
    MaterialDistribution,
    PressItem,
)

LIST_PAGES = [
    "publicity:overview",
    "publicity:announcements",
    "publicity:press",
    "publicity:articles",
    "publicity:materials",
    "publicity:experts",
]
CREATE_PAGES = [
    "publicity:announcement_create",
    "publicity:press_create",
    "publicity:article_create",
    "publicity:material_create",
    "publicity:expert_create",
]
EXPORTS = ["announcements", "materials", "press", "articles", "experts"]
MODELS = [Announcement, PressItem, Article, MaterialDistribution, ExpertBroadcast]


def counts() -> list[int]:
    return [m.objects.count() for m in MODELS]


def body(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("persona", ["superuser", "hq", "dept", "town_cadre", "village_cadre"])
def test_every_page_renders_for_people_who_run_publicity(cast, records, persona):
    user = getattr(cast, persona)
    assert_urls_allowed(user, [reverse(name) for name in LIST_PAGES + CREATE_PAGES])
    assert_urls_allowed(
        user, [reverse("publicity:announcement", args=[records.own.announcement.pk])]
    )


@pytest.mark.parametrize("persona", ["volunteer", "auditor", "counsellor", "grid_worker"])
def test_everyone_else_is_refused_every_page_and_export(cast, records, persona):
    urls = [reverse(name) for name in LIST_PAGES + CREATE_PAGES]
    urls += [reverse("publicity:export", args=[name, "csv"]) for name in EXPORTS]
    urls += [
        reverse("publicity:announcement", args=[records.own.announcement.pk]),
        reverse("publicity:channel", args=[records.own.announcement.pk]),
        reverse("publicity:article_counts", args=[records.own.article.pk]),
    ]
    assert_urls_refused(
        getattr(cast, persona), urls, unchanged=[records.own.article, records.own.announcement]
    )


def test_anonymous_visitors_are_sent_to_login(db):
    client = Client(HTTP_HOST="127.0.0.1")
    for name in LIST_PAGES + CREATE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_objects_of_a_sibling_village_are_a_404(cast, records):
    sibling = records.sibling
    assert_urls_refused(
        cast.village_cadre,
        [
            reverse("publicity:announcement", args=[sibling.announcement.pk]),
            reverse("publicity:channel", args=[sibling.announcement.pk]),
            reverse("publicity:article_counts", args=[sibling.article.pk]),
        ],
        unchanged=[sibling.article, sibling.announcement],
    )
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("publicity:article_counts", args=[sibling.article.pk]),
        {"reads": "9", "reprints": "0"},
    )
    assert response.status_code == 404
    # Not a 403: the page does not admit the row exists.
    announcement = reverse("publicity:announcement", args=[sibling.announcement.pk])
    assert client.get(announcement).status_code == 404
    assert (
        client.post(reverse("publicity:channel", args=[sibling.announcement.pk])).status_code == 404
    )


@pytest.mark.parametrize("reads", ["99999999999999999999999", "2147483648", "-1", "1.5"])
def test_article_counts_out_of_range_are_refused_with_a_message(cast, records, reads):
    article = records.own.article
    before = (article.reads, article.reprints)
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("publicity:article_counts", args=[article.pk]),
        {"reads": reads, "reprints": "3"},
        follow=True,
    )
    assert response.status_code == 200
    assert "0 至 2147483647 之间的整数" in body(response)
    article.refresh_from_db()
    assert (article.reads, article.reprints) == before


def test_lists_show_only_the_users_subtree(cast, records):
    client = client_for(cast.village_cadre)
    pages = {name: body(client.get(reverse(name))) for name in LIST_PAGES[1:]}
    assert f'id="announcement-{records.own.announcement.pk}"' in pages["publicity:announcements"]
    assert "原家" not in "".join(pages.values())
    assert "米山" not in "".join(pages.values())
    assert "南村日报" in pages["publicity:press"]
    # Each list shows its own rows: an empty page would pass the checks above.
    assert "南村青年突击队" in pages["publicity:articles"]
    assert "南村一封信" in pages["publicity:materials"]
    assert "南村科学防护" in pages["publicity:experts"]


def test_the_menu_offers_publicity_to_those_who_run_it(cast):
    assert "宣传发布" in body(client_for(cast.village_cadre).get("/"))
    assert "村村响广播" in body(client_for(cast.village_cadre).get("/"))
    assert "宣传发布" not in body(client_for(cast.volunteer).get("/"))


def test_the_overview_says_the_summary_sentences_and_carries_chart_data(cast, records):
    response = client_for(cast.town_cadre).get(reverse("publicity:overview"))
    chart = response.context["chart"]
    assert chart["values"][chart["labels"].index("公开信")] == 200
    assert dict(zip(chart["series"], chart["issued"], strict=True))["南村通告"] == 1
    page = body(response)
    assert "《南村通告》，目前，已发布1期" in page
    assert "发放、张贴公开信、倡议书200份" in page
    assert "合计阅读量2000人次" in page
    assert 'id="publicity-chart-data"' in page
    assert "echarts.min.js" in page and "publicity/charts.js" in page
    assert "<script>" not in page  # CSP: no inline script


def test_publishing_on_the_page_numbers_the_issue(cast):
    client = client_for(cast.town_cadre)
    form = {
        "new_series": "南村镇疫情防控通告",
        "title": "关于封闭管理的通告",
        "channels": ["tv", "poster"],
    }
    response = client.post(reverse("publicity:announcement_create"), form)
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert announcement.number == 1 and announcement.region == cast.town
    listing = body(client.get(reverse("publicity:announcements")))
    assert "已发布1期，下一期为第2号" in listing


def test_a_duplicate_number_on_the_page_is_a_clear_message_and_writes_nothing(cast):
    client = client_for(cast.town_cadre)
    form = {"new_series": "南村镇疫情防控通告", "title": "第一号", "channels": ["tv"]}
    client.post(reverse("publicity:announcement_create"), form)
    series = Announcement.objects.get().series
    before = counts()
    response = client.post(
        reverse("publicity:announcement_create"),
        {"series": series.pk, "number": "1", "title": "重复", "channels": ["tv"]},
    )
    assert response.status_code == 200
    assert "第1号已于" in body(response) and "下一期应为第2号" in body(response)
    assert counts() == before


def test_a_series_of_another_town_cannot_be_picked(cast, records):
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("publicity:announcement_create"),
        {"series": records.sibling.announcement.series_id, "title": "越权", "channels": ["tv"]},
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in body(response) or "Select a valid choice" in body(response)
    assert Announcement.objects.count() == 3


def test_materials_cannot_be_recorded_for_a_village_outside_the_scope(cast, records):
    client = client_for(cast.village_cadre)
    before = counts()
    response = client.post(
        reverse("publicity:material_create"),
        {
            "region": cast.sibling_village.code,
            "kind": "banner",
            "quantity": "5",
            "distributed_on": "2020-02-03",
        },
    )
    assert response.status_code == 200  # not one of the offered regions
    assert counts() == before


def test_a_fractional_quantity_gets_a_chinese_message(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        reverse("publicity:material_create"),
        {
            "region": cast.village.code,
            "kind": "banner",
            "quantity": "2.5",
            "distributed_on": "2020-02-03",
        },
    )
    assert "请填写整数，不能有小数。" in body(response)
    assert MaterialDistribution.objects.count() == 0


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_exports_are_scoped_and_audited(cast, records, fmt):
    client = client_for(cast.village_cadre)
    response = client.get(reverse("publicity:export", args=["materials", fmt]))
    assert response.status_code == 200
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    assert "南村一封信" in text
    assert "原家一封信" not in text and "米山一封信" not in text
    assert "导出人：village_cadre" in text
    audit = AuditEvent.objects.get(action="export")
    assert audit.detail == {"export": "publicity.materials", "rows": 1, "format": fmt}


def test_an_unknown_export_is_a_404(cast):
    client = client_for(cast.town_cadre)
    assert client.get(reverse("publicity:export", args=["people", "csv"])).status_code == 404
    assert client.get(reverse("publicity:export", args=["materials", "pdf"])).status_code == 404


def test_posted_text_is_escaped_on_the_list(cast):
    client = client_for(cast.town_cadre)
    client.post(
        reverse("publicity:press_create"),
        {
            "outlet": "<script>alert(1)</script>",
            "level": "county",
            "title": '"><img src=x onerror=alert(1)>',
            "published_on": "2020-02-03",
            "url": "https://example.com/a",
        },
    )
    page = body(client.get(reverse("publicity:press")))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
