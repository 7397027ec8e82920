from django.http import HttpRequest

from qunfang.org.current import current_region
from qunfang.org.selectors import region_breadcrumb, region_switch_options


def region_scope(request: HttpRequest) -> dict:
    """Breadcrumb and switcher for the region on screen (a view may set request.region)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    region = getattr(request, "region", None) or current_region(request)
    if region is None:
        return {"current_region": None, "breadcrumb": [], "switch_options": []}
    return {
        "current_region": region,
        "breadcrumb": region_breadcrumb(user, region),
        "switch_options": region_switch_options(user, region),
    }
