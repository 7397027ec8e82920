"""Where a form's `next` field may send a user: a path on this site, and nothing else."""

import pytest
from django.test import RequestFactory

from qunfang.core.redirects import back_to


@pytest.mark.parametrize("target", ["/", "/volunteers/rounds/?page=2", "/org/regions/1405/"])
def test_a_path_on_this_site_is_followed(target):
    request = RequestFactory().post("/x/", HTTP_HOST="127.0.0.1")
    assert back_to(request, target, "/fallback/")["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "",
        "nan",  # a bare word: `redirect` would look it up as a URL name and fail (a 500)
        "99999999999999999999999",
        "home",  # even a real URL name is not a path someone came from
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_anything_else_goes_to_the_default(target):
    request = RequestFactory().post("/x/", HTTP_HOST="127.0.0.1")
    assert back_to(request, target, "/fallback/")["Location"] == "/fallback/"
