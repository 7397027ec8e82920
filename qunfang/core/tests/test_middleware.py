"""Requests every page shares: a NUL in the query string never reaches a view."""

import pytest

from qunfang.opinion.models import Debunk
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
def test_a_nul_in_the_query_string_is_taken_out(cast, url):
    response = client_for(cast.superuser).get(url)
    assert response.status_code == 200
    # What the view read (SQLite would have stored a NUL; PostgreSQL refuses one).
    query = response.wsgi_request.GET
    assert not any("\x00" in key + "".join(values) for key, values in query.lists()), query


def test_a_search_typed_with_a_nul_finds_what_it_finds_without_it(cast):
    Debunk.objects.create(region=cast.district, claim="泽州县自来水有毒")
    client = client_for(cast.superuser)

    response = client.get("/admin/opinion/debunk/?q=自来%00水")

    assert response.status_code == 200
    assert response.context["cl"].query == "自来水"
    assert response.context["cl"].result_count == 1
