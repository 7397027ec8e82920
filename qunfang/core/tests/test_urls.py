"""Crawls every route: nothing but the allow-listed public pages answers an anonymous visitor."""

import re

from django.test import Client

from qunfang.core.public import is_public
from qunfang.org.testing import all_routes

# Routes an anonymous visitor may open. Anything else must send them to a login page or refuse.
PUBLIC = {
    "login",
    "set_language",
    "admin:login",
    "admin:logout",
    "admin:javascript-catalog",
    "logout",
}


def sample_path(route: str) -> str:
    """Turn a route into a concrete path: every parameter gets a plausible value."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1405" if m.group(1) == "code" else "1", route)
    path = re.sub(r"[\^\$]|\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path.replace("\\", "").lstrip("/")


def test_no_route_answers_an_anonymous_visitor_with_data(cast):
    client = Client(HTTP_HOST="127.0.0.1")
    checked = posted = 0
    for name, route, view in all_routes():
        if name in PUBLIC or is_public(view):
            continue
        path = sample_path(route)
        response = client.get(path)
        checked += 1
        assert response.status_code in (301, 302, 401, 403, 404, 405), f"{name} {path}"
        if response.status_code == 405:
            # A route that only takes POST changes data: that door must be shut too.
            response = client.post(path)
            posted += 1
            assert response.status_code in (301, 302, 401, 403, 404), f"POST {name} {path}"
        if response.status_code in (301, 302):
            assert "login" in response["Location"], f"{name} {path} → {response['Location']}"
    assert checked > 20 and posted > 10


def test_no_route_puts_personal_data_in_the_path():
    risky = re.compile(r"<(?:\w+:)?(id_number|id_card|phone|mobile)\w*>")
    assert not [route for _name, route, _view in all_routes() if risky.search(route)]
