"""Sending a user back where a form's `next` field says they came from."""

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def back_to(request: HttpRequest, target: str, default: Any) -> HttpResponseRedirect:
    """Redirect to `target` when it is a path on this site, else to `default` (anything that
    `redirect` takes: a model, a URL name, a path).

    Only a path that begins with a single "/" is followed: `redirect` reads a bare word ("nan")
    as a URL name and fails on it, and "//host/…" or "https://…" leave the site.
    """
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return redirect(default)
