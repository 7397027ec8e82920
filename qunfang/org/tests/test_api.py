from django.test import RequestFactory
from rest_framework.request import Request

from qunfang.core.pagination import MAX_LIMIT, LimitOffsetPagination
from qunfang.org.testing import assert_api_scoped, client_for


def test_the_region_list_is_scoped(cast):
    assert_api_scoped(
        cast.village_cadre,
        list_url="/api/v1/regions/",
        key="code",
        visible=[cast.village.code, cast.grid.code],
        hidden=[cast.sibling_village.code, cast.town.code, cast.other_town.code],
    )


def test_the_region_list_filters_by_parent_and_subtree(cast):
    client = client_for(cast.town_cadre)
    children = client.get(f"/api/v1/regions/?parent={cast.town.code}&limit=1000").json()
    codes = {row["code"] for row in children["results"]}
    assert cast.village.code in codes
    assert cast.grid.code not in codes
    subtree = client.get(f"/api/v1/regions/?within={cast.village.code}").json()
    assert {row["code"] for row in subtree["results"]} == {cast.village.code, cast.grid.code}


def test_a_foreign_region_detail_is_a_404(cast):
    client = client_for(cast.village_cadre)
    assert client.get(f"/api/v1/regions/{cast.village.code}/").json()["name"] == "南村村委会"
    assert client.get(f"/api/v1/regions/{cast.sibling_village.code}/").status_code == 404
    assert client.get("/api/v1/regions/000000000000/").status_code == 404


def test_the_membership_list_is_scoped(cast):
    assert_api_scoped(
        cast.town_cadre,
        list_url="/api/v1/memberships/",
        key="username",
        visible=["town_cadre", "village_cadre", "sibling_cadre", "grid_worker"],
        hidden=["hq", "other_town_cadre", "auditor"],
    )


def test_me_describes_the_caller(cast):
    body = client_for(cast.village_cadre).get("/api/v1/me/").json()
    assert body["username"] == "village_cadre"
    assert body["scope"] == [cast.village.code]
    assert body["unlimited"] is False
    assert "manage_grids" in body["capabilities"]
    assert "view_audit" not in body["capabilities"]


def test_the_api_refuses_writes(cast):
    client = client_for(cast.town_cadre)
    assert client.post("/api/v1/regions/", {"code": "1"}).status_code == 405
    assert client.delete(f"/api/v1/regions/{cast.village.code}/").status_code == 405


def test_the_openapi_schema_describes_the_endpoints(cast):
    response = client_for(cast.hq).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/v1/regions/" in body
    assert "/api/v1/memberships/" in body


def test_a_limit_beyond_the_ceiling_reads_as_the_ceiling(cast):
    # ?limit=99999999999999999999 reached SQLite as a LIMIT it refused: a server error.
    response = client_for(cast.town_cadre).get("/api/v1/regions/?limit=99999999999999999999")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 1 and len(body["results"]) == body["count"]

    paginator = LimitOffsetPagination()
    for asked, read in (("99999999999999999999", MAX_LIMIT), ("5000", MAX_LIMIT), ("7", 7)):
        request = Request(RequestFactory().get("/", {"limit": asked}))
        assert paginator.get_limit(request) == read
