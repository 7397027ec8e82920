"""Plain data in and out of every stage: no framework objects cross the engine's boundary."""

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Post:
    """One post as ingested. `text` is the raw text; stages fill the other fields."""

    source: str
    external_id: str
    text: str
    published_at: dt.datetime | None = None
    author: str = ""
    url: str = ""
    platform: str = ""
    meta: dict = field(default_factory=dict)
    # Filled by the stages, in pipeline order:
    normalized: str = ""  # simplified, half-width, URLs/mentions/emoticons taken out
    features: dict[str, list[str]] = field(
        default_factory=dict
    )  # urls, mentions, hashtags, emoticons, emoji
    schemes: list[str] = field(default_factory=list)  # ids of matching monitoring schemes
    regions: list[str] = field(default_factory=list)  # region codes the post concerns
    emotion: str = ""  # happy, angry, sad, fear, surprise, neutral
    emotion_scores: dict[str, float] = field(default_factory=dict)
    sentiment: str = ""  # negative, neutral, positive
    sentiment_scores: dict[str, float] = field(default_factory=dict)
    rumour_score: float = 0.0  # probability the post is a rumour / fake news
    epidemic: bool = False
    risk: "Risk | None" = None
    fingerprint: int = 0  # SimHash of the normalised text
    duplicate_of: str = ""  # external id of the first post of its near-duplicate group
    debunk_id: str = ""  # id of the known rumour this post restates, if any
    debunk_similarity: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.external_id)


@dataclass(slots=True)
class Reason:
    category: str  # rumour, inciting, gathering, anti_government, negative, epidemic, local …
    weight: float
    text: str  # Chinese, for a person: “命中谣言库：……”, “号召聚集：‘集合’+‘明天’”


@dataclass(slots=True)
class Risk:
    score: float  # 0–100
    level: str  # low, medium, high
    categories: list[str]
    reasons: list[Reason]


@dataclass(slots=True)
class Scheme:
    """A monitoring scheme: an id, a name and a boolean keyword expression."""

    id: str
    name: str
    expression: str
    category: str = ""  # optional risk category the scheme signals (inciting, gathering …)


@dataclass(slots=True)
class Region:
    code: str
    name: str
    parent: str = ""


@dataclass(slots=True)
class Debunk:
    """A rumour that has been debunked: the claim, who debunked it and when."""

    id: str
    claim: str
    rebuttal: str = ""
    source: str = ""
    published_on: dt.date | None = None
    url: str = ""


@dataclass
class Event:
    """A cluster of related posts: its label, members and volume over time."""

    id: str
    label: str
    post_keys: list[tuple[str, str]]
    first_seen: dt.datetime | None
    last_seen: dt.datetime | None
    keywords: list[str] = field(default_factory=list)
    timeline: list[tuple[dt.datetime, int]] = field(default_factory=list)  # (bucket start, posts)
    size: int = 0  # posts in the event; post_keys may list only the most recent of them
