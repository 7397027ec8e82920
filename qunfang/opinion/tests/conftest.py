"""A source of the cast's district with its token, schemes, and a helper that ingests texts."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from qunfang.opinion import ingest, runtime, services
from qunfang.opinion.models import Source
from qunfang.org.models import Region

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_engine():
    """Each test starts with an empty near-duplicate index and clusterer."""
    runtime.reset()
    yield
    runtime.reset()


@pytest.fixture
def source(cast) -> Source:
    made, token = services.source_create(
        actor=cast.hq, region=cast.district, name="微博监测", platform="weibo"
    )
    made.token = token
    return made


@pytest.fixture
def town_source(cast) -> Source:
    made, _token = services.source_create(
        actor=cast.town_cadre, region=cast.town, name="南村镇论坛", platform="forum"
    )
    return made


@pytest.fixture
def other_source(cast) -> Source:
    made, _token = services.source_create(
        actor=cast.superuser,
        region=Region.objects.get(code="140581"),
        name="高平论坛",
        platform="forum",
    )
    return made


def push(source: Source, *texts: str, at: dt.datetime | None = None, ids=None):
    """Ingest `texts` as one batch (ids are fresh unless given)."""
    at = at or timezone.now() - dt.timedelta(minutes=1)
    ids = ids or [f"p{next(_ids)}" for _ in texts]
    items = ingest.validate_items(
        [
            {"id": i, "text": t, "published_at": at.isoformat()}
            for i, t in zip(ids, texts, strict=True)
        ]
    )
    return ingest.ingest_posts(source, items)
