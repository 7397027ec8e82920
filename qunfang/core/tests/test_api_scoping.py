from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from qunfang.org.api import ScopedAPIMixin

# API views that return no region-bound rows: the caller's own account, the schema, and the
# crawlers' push endpoint (its token names one source; it writes there and reads nothing).
UNSCOPED_ALLOWED = {"MeApi", "SpectacularAPIView", "PostPushApi"}


def api_views():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if view_class is not None and issubclass(view_class, APIView):
                    yield view_class

    yield from walk(get_resolver().url_patterns)


def test_every_api_view_goes_through_the_scoping_mixin():
    views = list(api_views())
    assert len(views) >= 4
    unscoped = [
        view.__name__
        for view in views
        if not issubclass(view, ScopedAPIMixin) and view.__name__ not in UNSCOPED_ALLOWED
    ]
    assert not unscoped, f"API views without ScopedAPIMixin: {unscoped}"
