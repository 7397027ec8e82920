import pytest
from django.urls import reverse

from qunfang.core.models import AuditEvent
from qunfang.org.models import Region
from qunfang.org.testing import (
    PERSONAS,
    assert_urls_allowed,
    assert_urls_refused,
    client_for,
    url_patterns_with,
)

PAGES_FOR_EVERY_ROLE = ["/", "/org/regions/", "/api/v1/me/", "/api/v1/regions/"]


@pytest.mark.parametrize("persona", ["superuser", *PERSONAS])
def test_every_page_renders_for_every_role(cast, persona):
    user = getattr(cast, persona)
    client = client_for(user)
    for url in PAGES_FOR_EVERY_ROLE:
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{url} as {persona}"
    response = client.get("/org/members/")
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert "部门与人员" in response.content.decode()
    if user.is_staff:
        assert client.get("/admin/").status_code == 200


def test_the_home_page_shows_the_users_region_in_chinese(cast):
    response = client_for(cast.town_cadre).get("/")
    body = response.content.decode()
    assert "<h1>南村镇" in body
    assert "下级区域" in body
    # The table of its villages (the region switcher names them too, so the rows are read).
    children = {row["region"] for row in response.context["children"]}
    assert {cast.village, cast.sibling_village} <= children
    assert f'href="{cast.village.get_absolute_url()}">南村村</a>' in body
    assert "米山镇" not in body


def test_a_village_cadre_is_refused_a_sibling_village_everywhere(cast):
    foreign = [
        reverse(name, kwargs={"code": cast.sibling_village.code})
        for name, _route in url_patterns_with("code")
    ]
    assert foreign, "no routes take a region code"
    grids = Region.objects.filter(parent=cast.sibling_village).count()
    assert_urls_refused(cast.village_cadre, foreign, unchanged=[cast.sibling_village])
    # A complete form to add a grid there is refused as if the village did not exist.
    url = reverse("org:grid_create", kwargs={"code": cast.sibling_village.code})
    assert client_for(cast.village_cadre).post(url, {"name": "x"}).status_code == 404
    assert Region.objects.filter(parent=cast.sibling_village).count() == grids


def test_every_code_route_refuses_codes_outside_the_scope(cast):
    for name, _route in url_patterns_with("code"):
        urls = [reverse(name, kwargs={"code": code}) for code in (cast.other_town.code, "1405")]
        assert_urls_refused(cast.town_cadre, urls)


def test_a_village_cadre_reaches_their_own_village_and_grid(cast):
    assert_urls_allowed(
        cast.village_cadre, [cast.village.get_absolute_url(), cast.grid.get_absolute_url()]
    )


def test_breadcrumb_stops_at_the_top_of_the_scope(cast):
    body = client_for(cast.village_cadre).get(cast.grid.get_absolute_url()).content.decode()
    assert 'aria-label="区域路径"' in body
    assert "南村村" in body
    assert "南村镇</a>" not in body
    body = client_for(cast.hq).get(cast.grid.get_absolute_url()).content.decode()
    assert "泽州县</a>" in body
    assert "南村镇</a>" in body


def test_the_switcher_offers_only_regions_in_scope(cast):
    body = client_for(cast.town_cadre).get("/").content.decode()
    assert f'value="{cast.village.code}"' in body
    assert f'value="{cast.other_town.code}"' not in body
    assert f'value="{cast.district.code}"' not in body


def test_switching_region_changes_the_home_page(cast):
    client = client_for(cast.town_cadre)
    response = client.post("/org/regions/switch/", {"code": cast.village.code, "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    body = client.get("/").content.decode()
    assert "<h1>南村村" in body


def test_switching_to_a_foreign_region_is_a_404_and_keeps_the_old_one(cast):
    client = client_for(cast.town_cadre)
    response = client.post("/org/regions/switch/", {"code": cast.other_town.code})
    assert response.status_code == 404
    assert "<h1>南村镇" in client.get("/").content.decode()


def test_switching_ignores_an_offsite_next(cast):
    client = client_for(cast.town_cadre)
    response = client.post(
        "/org/regions/switch/", {"code": cast.village.code, "next": "https://evil.example/"}
    )
    assert response["Location"] == cast.village.get_absolute_url()


@pytest.mark.parametrize("target", ["nan", "1e400", "99999999999999999999999"])
def test_switching_with_a_next_that_is_no_path_goes_to_the_region(cast, target):
    client = client_for(cast.town_cadre)
    response = client.post("/org/regions/switch/", {"code": cast.village.code, "next": target})
    assert response.status_code == 302
    assert response["Location"] == cast.village.get_absolute_url()


def test_switching_needs_post(cast):
    assert client_for(cast.town_cadre).get("/org/regions/switch/").status_code == 405


def test_a_village_cadre_creates_a_grid_from_the_village_page(cast):
    client = client_for(cast.village_cadre)
    response = client.post(
        reverse("org:grid_create", kwargs={"code": cast.village.code}),
        {"name": "第五网格"},
        follow=True,
    )
    assert response.status_code == 200
    assert "已新建网格“第五网格”" in response.content.decode()
    assert Region.objects.filter(parent=cast.village, name="第五网格").exists()


@pytest.mark.parametrize("name", ["", " ", "x" * 101])
def test_a_bad_grid_name_is_a_clear_message_and_writes_nothing(cast, name):
    before = Region.objects.count()
    response = client_for(cast.village_cadre).post(
        reverse("org:grid_create", kwargs={"code": cast.village.code}), {"name": name}, follow=True
    )
    assert response.status_code == 200
    assert "网格名称" in response.content.decode()
    assert Region.objects.count() == before


def test_a_volunteer_may_not_create_grids(cast):
    response = client_for(cast.volunteer).post(
        reverse("org:grid_create", kwargs={"code": cast.village.code}), {"name": "网格"}
    )
    assert response.status_code == 403


def test_the_members_page_lists_only_the_scope(cast):
    body = client_for(cast.town_cadre).get("/org/members/").content.decode()
    assert "<td>village_cadre</td>" in body
    assert "<td>sibling_cadre</td>" in body
    assert "<td>other_town_cadre</td>" not in body
    assert "<td>hq</td>" not in body


def test_anonymous_visitors_are_sent_to_login(db):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for url in ["/", "/org/regions/", "/org/members/", "/org/regions/1405/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.get("/api/v1/regions/").status_code == 403


def test_login_in_chinese_and_audited(cast):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    page = client.get("/accounts/login/").content.decode()
    assert "登录群防" in page
    bad = client.post("/accounts/login/", {"username": "village_cadre", "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()
    assert AuditEvent.objects.filter(action="login_failed", actor_name="village_cadre").exists()
    good = client.post(
        "/accounts/login/", {"username": "village_cadre", "password": "Qunfang-test-2026"}
    )
    assert good.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=cast.village_cadre).exists()
    assert client.get("/").status_code == 200


def test_signed_in_pages_are_not_cached_and_carry_security_headers(cast):
    response = client_for(cast.village_cadre).get("/")
    assert response["Cache-Control"] == "no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_state_changes_need_a_csrf_token(cast):
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    client.force_login(cast.village_cadre)
    response = client.post(
        reverse("org:grid_create", kwargs={"code": cast.village.code}), {"name": "无令牌"}
    )
    assert response.status_code == 403
    assert not Region.objects.filter(name="无令牌").exists()
