"""A fixed-window rate limit for the public pages, kept in Django's cache so that every worker
process shares it when the cache is shared (Redis via QUNFANG_CACHE_URL); the default in-process
cache limits each process on its own."""

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `seconds` from one client for the bucket `name`."""

    name: str
    count: int
    seconds: int


def client_key(request: HttpRequest) -> str:
    """The client as the limit sees it. Behind a reverse proxy, set it to put the real address
    in REMOTE_ADDR (trusting X-Forwarded-For from anyone would let a client pick its own key)."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def hit(request: HttpRequest, limit: Limit) -> bool:
    """Count one request; True while the client is within its limit, False once it is over."""
    window = int(time.time() // limit.seconds)
    key = f"ratelimit:{limit.name}:{client_key(request)}:{window}"
    # add() is atomic where the cache is; it sets the counter only when the window is new.
    if cache.add(key, 1, timeout=limit.seconds + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=limit.seconds + 1)
        return True
    return count <= limit.count
