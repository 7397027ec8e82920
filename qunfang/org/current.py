"""The region a user is working in right now (the switcher's choice), kept in the session."""

from django.http import HttpRequest

from qunfang.org.access import home_region, scope_for
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
