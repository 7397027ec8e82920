"""The opinion engine inside this process, configured from the database.

The engine holds state that must outlive a configuration change: the near-duplicate index and
the event clusterer. So a change of schemes, debunks or regions rebuilds the matching stages
and keeps those two. A restart starts them empty; posts already stored keep their events.
Both keep bounded state, however long the process lives (opinion_engine/dedup.py and
cluster.py; `python -m opinion_engine.soak` measures it).

One lock serialises analysis: the stateful stages are not thread-safe, and a threaded server
may run two ingests at once.
"""

import threading
from dataclasses import dataclass, field

from django.db.models import Count, Max

from opinion_engine.cluster import EventClusterer, post_keywords
from opinion_engine.dedup import Deduplicator
from opinion_engine.engine import Engine, settle
from opinion_engine.types import Debunk as EngineDebunk
from opinion_engine.types import Post as EnginePost
from opinion_engine.types import Scheme as EngineScheme
from qunfang.opinion.models import Debunk, Scheme
from qunfang.opinion.services import phrasings
from qunfang.org.models import Region


@dataclass
class Runtime:
    version: tuple
    engine: Engine
    clusterer: EventClusterer
    region_ids: dict[str, int]
    # Clusterer key → posts filed under it by this process, and → its Event row once it has
    # one, so that most batches touch no event rows beyond their own posts.
    event_sizes: dict[str, int] = field(default_factory=dict)
    event_ids: dict[str, int] = field(default_factory=dict)


_lock = threading.RLock()
_runtime: Runtime | None = None


def config_version() -> tuple:
    """Changes whenever a scheme, a debunk or the region tree changes (two cheap queries)."""
    schemes = Scheme.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    debunks = Debunk.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    regions = Region.objects.aggregate(n=Count("id"), top=Max("id"))
    return (
        schemes["n"],
        schemes["at"],
        debunks["n"],
        debunks["at"],
        regions["n"],
        regions["top"],
    )


def engine_schemes() -> list[EngineScheme]:
    return [
        EngineScheme(id=str(pk), name=name, expression=expression, category=category)
        for pk, name, expression, category in Scheme.objects.filter(is_active=True).values_list(
            "pk", "name", "expression", "category"
        )
    ]


def engine_debunks() -> tuple[list[EngineDebunk], dict[str, list[str]]]:
    debunks, variants = [], {}
    for row in Debunk.objects.values(
        "key", "claim", "rebuttal", "source", "published_on", "url", "variants"
    ):
        debunks.append(
            EngineDebunk(
                id=row["key"],
                claim=row["claim"],
                rebuttal=row["rebuttal"],
                source=row["source"],
                published_on=row["published_on"],
                url=row["url"],
            )
        )
        if phrasings(row["variants"]):
            variants[row["key"]] = phrasings(row["variants"])
    return debunks, variants


def _build(version: tuple, previous: Runtime | None) -> Runtime:
    from opinion_engine.rumours import RumourLibrary, RumourMatcher

    regions = list(Region.objects.values_list("code", "name", "id"))
    debunks, variants = engine_debunks()
    engine = Engine.build(
        schemes=engine_schemes(),
        region_rows=[(code, name) for code, name, _ in regions],
        debunks=debunks,
        events=False,
    )
    # Engine.build takes no variants; swap in a library that knows them, and carry the stateful
    # stages over from the previous build.
    library = RumourLibrary(debunks, variants=variants)
    for index, stage in enumerate(engine.stages):
        if isinstance(stage, RumourMatcher):
            engine.stages[index] = RumourMatcher(library)
        elif isinstance(stage, Deduplicator) and previous is not None:
            for old in previous.engine.stages:
                if isinstance(old, Deduplicator):
                    engine.stages[index] = old
    post_keywords("泽州县疫情防控")  # load the segmenter's dictionary now, not on a post
    # The first batch must not pay for the MinHash parameters (and numpy.random, which draws
    # them): warm a throw-away index.
    Deduplicator()(EnginePost(source="warm-up", external_id="0", text="泽州县疫情防控"))
    if previous is None:
        # The process's first engine: its tables live as long as the process, so the garbage
        # collector stops walking them (a fifth of the pipeline's time in the engine's bench).
        settle()

    return Runtime(
        version=version,
        engine=engine,
        clusterer=previous.clusterer if previous is not None else EventClusterer(),
        region_ids={code: pk for code, _, pk in regions},
        event_sizes=previous.event_sizes if previous is not None else {},
        event_ids=previous.event_ids if previous is not None else {},
    )


def current() -> Runtime:
    """The engine for the configuration now in the database, rebuilt when it changed."""
    global _runtime
    version = config_version()
    with _lock:
        if _runtime is None or _runtime.version != version:
            _runtime = _build(version, _runtime)
        return _runtime


def lock() -> threading.RLock:
    return _lock


def reset() -> None:
    """Forget the engine and its state (tests that need a clean stream)."""
    global _runtime
    with _lock:
        _runtime = None
