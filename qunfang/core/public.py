"""Marking the few pages that face anyone (sign-up, job fair). The route crawler in
qunfang/core/tests/test_urls.py lets exactly these through without a login, so a page is
public only by saying so next to its code."""

from collections.abc import Callable
from typing import TypeVar

View = TypeVar("View", bound=Callable)


def public(view: View) -> View:
    """Declare `view` (a function view, or the result of `as_view()`) open to anonymous visitors."""
    view.qunfang_public = True
    return view


def is_public(view: Callable) -> bool:
    return bool(getattr(view, "qunfang_public", False))
