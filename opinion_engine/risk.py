"""Risk: how urgently a person should look at a post, and why, in words they can check.

The categories are the ones the district's public-opinion group reports on: 谣言 (rumour), 煽动性
(inciting), 行动性 / 号召聚集 (calling people to act or gather) and 攻击党委政府 (attacking the
Party committee or government). Negative sentiment, epidemic relevance and being about a local
region are modifiers: they raise the score of a post that already carries a risk, and add little
on their own.

The stage reads what earlier stages set and never re-runs them: `schemes` (with the category
each scheme signals, given at construction), `sentiment` / `sentiment_scores`, `rumour_score`,
`debunk_id` / `debunk_similarity`, `regions` and `normalized` (for the lexicons in
`lexicons.py`). It sets `post.risk`, and `post.epidemic` when a scheme of category "epidemic"
or the epidemic lexicon says so (it never clears a flag an earlier stage set).

Score (0–100): the sum of the category weights (each capped at `CATEGORY_CAP`), plus a little for
negative sentiment, times the modifiers (negative ×(1 + 0.25·p), epidemic ×1.15, local ×1.25).
Levels: high from `HIGH` (60), medium from `MEDIUM` (30), low below.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from opinion_engine import lexicons
from opinion_engine.normalize import normalize_text
from opinion_engine.pipeline import Stage
from opinion_engine.rumours import is_refutation
from opinion_engine.types import Debunk, Post, Reason, Risk

HIGH = 60.0
MEDIUM = 30.0
CATEGORY_CAP = 70.0

RUMOUR_LINK_BASE = 35.0  # for a post linked to a known debunk, plus…
RUMOUR_LINK_SIMILARITY_WEIGHT = 30.0  # × its similarity
RUMOUR_MODEL_FROM = 0.5  # classifier probability from which a post counts as a suspected rumour
RUMOUR_MODEL_WEIGHT = 45.0  # × probability
GATHERING_STRONG_WEIGHT = 30.0
GATHERING_WEAK_WEIGHT = 20.0
GATHERING_MENTION_WEIGHT = 15.0  # a strong action word that is not a call ("聚众打麻将被查")
GATHERING_TIME_WEIGHT = 12.0
GATHERING_PLACE_WEIGHT = 12.0
GATHERING_CALL_WEIGHT = 6.0
INCITING_WEIGHT = 30.0  # first hit; each further one adds half
GOVERNMENT_WEIGHT = 30.0  # first hit; each further one adds half
SCHEME_WEIGHT = 25.0
NEGATIVE_WEIGHT = 8.0  # × probability, on its own
NEGATIVE_FACTOR = 0.25  # × probability, on top of the categories
EPIDEMIC_FACTOR = 1.15
LOCAL_FACTOR = 1.25
NEGATIVE_FROM = 0.5

CATEGORY_NAMES = {
    "rumour": "谣言",
    "inciting": "煽动性",
    "gathering": "号召聚集",
    "anti_government": "攻击党委政府",
    "negative": "负面情绪",
    "epidemic": "涉疫",
    "local": "涉及本地",
}
RISK_CATEGORIES = ("rumour", "inciting", "gathering", "anti_government")


# Which lexicon each trigger word belongs to. One Aho-Corasick pass tells which of the checks
# below can fire at all; most posts carry none of these words and skip the per-sentence work.
_LEXICONS = {
    "epidemic": lexicons.EPIDEMIC,
    "gathering": lexicons.GATHERING_STRONG + lexicons.GATHERING_WEAK,
    "inciting": lexicons.INCITING,
    "attack": lexicons.GOVERNMENT_ATTACKS + lexicons.GOVERNMENT_ATTACKS_ALONE,
}


@lru_cache(maxsize=1)
def _triggers() -> ahocorasick.Automaton:
    kinds: dict[str, set[str]] = {}
    for kind, words in _LEXICONS.items():
        for word in words:
            kinds.setdefault(word, set()).add(kind)
    automaton = ahocorasick.Automaton()
    for word, found in kinds.items():
        automaton.add_word(word, (word, frozenset(found)))
    automaton.make_automaton()
    return automaton


def scan_lexicons(text: str) -> tuple[set[str], list[str]]:
    """The lexicons (`_LEXICONS` keys) with at least one word in `text`, and the epidemic
    words found, as `find_words(text, EPIDEMIC, negatable=False)` finds them (leftmost, the
    longest at each start, not overlapping), from one automaton pass."""
    found: set[str] = set()
    longest: dict[int, str] = {}  # start → the longest epidemic word starting there
    for end, (word, kinds) in _triggers().iter(text):
        found |= kinds
        if "epidemic" in kinds:
            start = end - len(word) + 1
            if len(word) > len(longest.get(start, "")):
                longest[start] = word
    epidemic = []
    position = 0
    for start in sorted(longest):
        if start >= position:
            epidemic.append(longest[start])
            position = start + len(longest[start])
    return found, epidemic


def present_lexicons(text: str) -> set[str]:
    """The lexicons (`_LEXICONS` keys) with at least one word somewhere in `text`."""
    return scan_lexicons(text)[0]


def level_for(score: float) -> str:
    """The level of a 0–100 score: "high" from `HIGH`, "medium" from `MEDIUM`, else "low"."""
    if score >= HIGH:
        return "high"
    if score >= MEDIUM:
        return "medium"
    return "low"


@dataclass(frozen=True, slots=True)
class Hit:
    word: str
    start: int


def find_words(text: str, words: tuple[str, ...], *, negatable: bool = True) -> list[Hit]:
    """Occurrences of `words` in `text` (the longest where they overlap), leaving out those a
    negation stands in front of ("不要聚集", "严禁上街") when `negatable`."""
    return [
        Hit(match.group(), match.start())
        for match in _alternation(words).finditer(text)
        if not (negatable and is_negated(text, match.start()))
    ]


@lru_cache(maxsize=64)
def _alternation(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def is_negated(text: str, start: int) -> bool:
    """Whether a negation governs the word at `start`: a negation earlier in the same clause
    ("不要到区政府门口聚集", "严禁大家上街"), or a one-character one touching the word or its verb
    ("不聚集", "都不来广场集合")."""
    clause = re.split(
        r"[，,。！？!?；;、：:\s]", text[max(0, start - lexicons.NEGATION_SCOPE) : start]
    )[-1]
    if any(negator in clause for negator in lexicons.NEGATORS):
        return True
    for index, char in enumerate(clause):
        if char not in lexicons.SHORT_NEGATORS:
            continue
        if clause[max(0, index - 1) : index + 1] in lexicons.NOT_NEGATIONS:
            continue
        if clause[index : index + 2] in lexicons.NOT_NEGATIONS:
            continue
        if index == len(clause) - 1 or clause[index + 1] in lexicons.NEGATION_BRIDGES:
            return True
    return False


def _sentences(text: str) -> list[str]:
    return [part for part in lexicons.SENTENCE_END.split(text) if part.strip()]


def _blank(match: re.Match) -> str:
    # Same length, so positions stay those of the original text.
    return "□" * len(match.group())


def _near(first: Hit, second: Hit) -> bool:
    gap = second.start - (first.start + len(first.word))
    return 0 <= gap <= lexicons.ATTACK_REACH


def _quote(words: list[str], limit: int = 4) -> str:
    return "".join(f"“{w}”" for w in list(dict.fromkeys(words))[:limit])


class RiskScorer(Stage):
    """Scores each post's risk and explains it.

    scheme_categories (Mapping[str, str]): scheme id → risk category it signals ("rumour",
        "inciting", "gathering", "anti_government", "epidemic"); other schemes add nothing.
    debunks (Mapping[str, Debunk]): known rumours by id, to quote the claim in the reason
        (`RumourLibrary.debunks` fits); without it the debunk id is quoted.
    """

    name = "risk"

    def __init__(
        self,
        scheme_categories: Mapping[str, str] | None = None,
        *,
        debunks: Mapping[str, Debunk] | None = None,
    ) -> None:
        self.scheme_categories = scheme_categories
        self.debunks = debunks

    def __call__(self, post: Post) -> Post:
        text = post.normalized or normalize_text(post.text)[0]
        reasons: list[Reason] = []
        weights: dict[str, float] = {}

        def add(category: str, weight: float, reason: str) -> None:
            weights[category] = weights.get(category, 0.0) + weight
            reasons.append(Reason(category=category, weight=round(weight, 1), text=reason))

        scheme_categories = self._scheme_hits(post)
        for scheme_id, category in scheme_categories:
            if category in RISK_CATEGORIES:
                add(
                    category,
                    SCHEME_WEIGHT,
                    f"命中监测方案：{scheme_id}（{CATEGORY_NAMES[category]}）",
                )
        self._rumour(post, text, add, reasons)
        # Each check needs at least one of its lexicon's words in the text (a sentence or a
        # blanked copy holds no word the whole text lacks), so the others are skipped.
        present, epidemic_words = scan_lexicons(text)
        if "gathering" in present:
            self._gathering(text, add)
        if "inciting" in present:
            self._inciting(text, add)
        if "attack" in present:
            self._anti_government(text, add)

        base = sum(min(CATEGORY_CAP, weight) for weight in weights.values())
        factor = 1.0
        negative = post.sentiment_scores.get("negative", 0.0)
        if post.sentiment == "negative" and not negative:
            negative = 1.0
        if negative >= NEGATIVE_FROM:
            base += NEGATIVE_WEIGHT * negative
            factor *= 1 + NEGATIVE_FACTOR * negative
            reasons.append(
                Reason(
                    "negative", round(NEGATIVE_WEIGHT * negative, 1), f"负面情绪（{negative:.2f}）"
                )
            )

        if epidemic_words or any(c == "epidemic" for _, c in scheme_categories):
            post.epidemic = True
        if post.epidemic:
            factor *= EPIDEMIC_FACTOR
            quoted = _quote(epidemic_words) if epidemic_words else "监测方案"
            reasons.append(Reason("epidemic", 0.0, f"涉疫：{quoted}"))
        if post.regions:
            factor *= LOCAL_FACTOR
            reasons.append(Reason("local", 0.0, f"涉及本地：{'、'.join(post.regions[:5])}"))

        score = round(min(100.0, base * factor), 1)
        categories = [c for c in RISK_CATEGORIES if weights.get(c, 0.0) > 0]
        if negative >= NEGATIVE_FROM:
            categories.append("negative")
        if post.epidemic:
            categories.append("epidemic")
        if post.regions:
            categories.append("local")
        post.risk = Risk(
            score=score, level=level_for(score), categories=categories, reasons=reasons
        )
        return post

    def _scheme_hits(self, post: Post) -> list[tuple[str, str]]:
        mapping = self.scheme_categories or {}
        return [(s, mapping[s]) for s in post.schemes if mapping.get(s)]

    def _rumour(self, post: Post, text: str, add, reasons: list[Reason]) -> None:
        if post.debunk_id:
            debunk = (self.debunks or {}).get(post.debunk_id)
            claim = debunk.claim if debunk else post.debunk_id
            if is_refutation(text):
                # Repeating a rumour to refute it is what the office wants spread.
                reasons.append(Reason("rumour", 0.0, f"转述辟谣信息：{claim}"))
            else:
                add(
                    "rumour",
                    RUMOUR_LINK_BASE + RUMOUR_LINK_SIMILARITY_WEIGHT * post.debunk_similarity,
                    f"命中谣言库：{claim}（相似度{post.debunk_similarity:.2f}）",
                )
        if post.rumour_score >= RUMOUR_MODEL_FROM and not is_refutation(text):
            add(
                "rumour",
                RUMOUR_MODEL_WEIGHT * post.rumour_score,
                f"谣言模型判断为疑似谣言（{post.rumour_score:.2f}）",
            )

    def _gathering(self, text: str, add) -> None:
        for sentence in _sentences(text):
            cleaned = lexicons.GATHERING_EXCLUDED.sub(_blank, sentence)
            strong = find_words(cleaned, lexicons.GATHERING_STRONG)
            weak = find_words(cleaned, lexicons.GATHERING_WEAK)
            if not strong and not weak:
                continue
            times = [m.group().strip() for m in lexicons.TIME_WORDS.finditer(sentence)]
            places = [m.group() for m in lexicons.PLACE_WORDS.finditer(sentence)]
            calls = [h.word for h in find_words(cleaned, lexicons.GATHERING_CALL)]
            words = [h.word for h in strong + weak]
            if lexicons.GATHERING_REPORTED.search(sentence):
                calls = times = places = []
            if strong and (calls or (times and places)):
                weight = GATHERING_STRONG_WEIGHT
            elif weak and calls and (times or places):
                weight = GATHERING_WEAK_WEIGHT
            elif strong:
                add("gathering", GATHERING_MENTION_WEIGHT, f"提及聚集行为：{_quote(words)}")
                continue
            else:
                continue
            weight += GATHERING_TIME_WEIGHT if times else 0.0
            weight += GATHERING_PLACE_WEIGHT if places else 0.0
            weight += GATHERING_CALL_WEIGHT if calls else 0.0
            quoted = _quote(words + places + times + calls, 6)
            add("gathering", weight, f"号召聚集：{quoted}")

    def _inciting(self, text: str, add) -> None:
        cleaned = lexicons.INCITING_EXCLUDED.sub(_blank, text)
        hits = [h.word for h in find_words(cleaned, lexicons.INCITING)]
        if hits:
            weight = INCITING_WEIGHT * (1 + 0.5 * (len(set(hits)) - 1))
            add("inciting", weight, f"煽动性表述：{_quote(hits)}")

    def _anti_government(self, text: str, add) -> None:
        found: list[str] = [h.word for h in find_words(text, lexicons.GOVERNMENT_ATTACKS_ALONE)]
        for sentence in _sentences(text):
            targets = find_words(sentence, lexicons.GOVERNMENT_TARGETS, negatable=False)
            attacks = find_words(sentence, lexicons.GOVERNMENT_ATTACKS)
            for target in targets:
                for attack in attacks:
                    if _near(target, attack) or _near(attack, target):
                        found.append(f"{target.word}…{attack.word}")
                        break
        if found:
            weight = GOVERNMENT_WEIGHT * (1 + 0.5 * (len(set(found)) - 1))
            add("anti_government", weight, f"攻击党委政府：{_quote(found)}")
