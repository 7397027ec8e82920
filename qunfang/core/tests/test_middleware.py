"""Requests every page shares: a NUL in the query string never reaches a view."""

import pytest

from qunfang.org.testing import client_for


@pytest.mark.parametrize(
    "url",
    [
        "/admin/relief/carearrangement/?status=%00",  # PostgreSQL: a server error in the admin
        "/volunteers/people/?name=a%00b",
        "/enterprises/?q=a%00b",
        "/opinion/feed/?q=x&%00=1",
    ],
)
def test_a_nul_in_the_query_string_is_a_400_in_chinese(cast, url):
    response = client_for(cast.superuser).get(url)

    assert response.status_code == 400
    assert "请求参数含有非法字符" in response.content.decode()


def test_a_query_string_without_nul_passes(cast):
    assert client_for(cast.superuser).get("/admin/relief/carearrangement/?q=%25").status_code == 200
