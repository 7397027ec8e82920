"""The region a user is working in right now (the switcher's choice), kept in the session."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from qunfang.org.access import can, home_region, scope_for
from qunfang.org.models import Region

SESSION_KEY = "qunfang_region"


def current_region(request: HttpRequest) -> Region | None:
    """The session's region if it is still in scope, else the user's home region."""
    cached = getattr(request, "_qunfang_current_region", None)
    if cached is not None:
        return cached
    user = request.user
    region = None
    code = request.session.get(SESSION_KEY)
    if code and scope_for(user).covers(code):
        region = Region.objects.filter(code=code).first()
    if region is None:
        region = home_region(user)
    request._qunfang_current_region = region
    return region


def set_current_region(request: HttpRequest, region: Region) -> None:
    request.session[SESSION_KEY] = region.code
    request._qunfang_current_region = region


def current_region_with(request: HttpRequest, capability: str) -> Region:
    """The region the user works in now, if they hold `capability` there; else 403."""
    region = current_region(request)
    if region is None or not can(request.user, capability, region.code):
        raise PermissionDenied
    return region
