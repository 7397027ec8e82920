"""Locality: which regions of the region tree a post talks about.

`Gazetteer` turns a region tree (code, name, parent) into the names people actually write:
the full NBS name plus short names (泽州县→泽州, 北石店镇→北石店, 高平市→高平, XX街道→XX,
XX村委会/XX村民委员会→XX村 and XX, XX社区居委会/XX社区居民委员会→XX社区), all in ONE
Aho-Corasick automaton, and `tag(text)` returns the codes of the regions the normalised text
mentions, most specific first.

False positives are the enemy, so a name is only used when it is unlikely to be something else:
- short names of one character and generic words (城区, 新区, 开发区, 社区, 中心 …) are dropped;
- a town or village short name that is a common Chinese word (光明, 红旗, 东风, 新村, 山河, 河北 …,
  judged by jieba's dictionary frequencies and `GENERIC_WORDS`) is dropped, so only the full
  name or a suffixed form (光明村, 光明社区) tags that place; county-level and higher short names
  (高平, 泽州) are kept unless very common and not place names in the dictionary;
- a region whose full name is itself generic (城区, 郊区, 矿区) is only found qualified by its
  parent's name (晋城城区, 晋城市城区);
- a short name matched across a word boundary is ignored: when the characters before and after
  both form dictionary words with it (提高平均 contains 高平), or one side forms a place name
  (广西河池 contains 西河, 襄阳城 contains 阳城);
- a short name followed by an administrative suffix names another place with the same stem
  (龙港区 is not 龙港镇, 武安市 is not 武安村) and is ignored;
- a town's or village's short name of two characters (巴公, 刘村, 白沟) only counts when the
  text also names one of its two nearest ancestors (泽州 … 巴公, 北石店 … 刘村), because such
  names recur all over the country; full names (巴公镇) and longer short names (北石店) do not
  need that;
- a name inside a longer matched name (泽州 in 泽州北路社区) counts only as the longer one.

One name can belong to several regions (several villages called 东村). Such a mention is resolved
by context: the candidate with an ancestor that the text also mentions unambiguously, else the
single highest-level candidate, else it is skipped (typically two villages of the same name).

Only mentioned regions are returned; `ancestors(code)` gives the county/city a village belongs to,
for counting "local" posts.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import ahocorasick
import numpy as np

from opinion_engine.normalize import normalize_text
from opinion_engine.pipeline import ErrorHandler, Stage
from opinion_engine.types import Post, Region
from opinion_engine.wordtable import WordTable

# Words that name a kind of place rather than a place.
_GENERIC_WORDS = (
    "城区 新区 开发区 社区 中心 郊区 矿区 市区 县城 城关 园区 工业园 工业区 产业园 经济开发区 "
    "高新区 生活区 管理区 小区 农场 林场 街道 居委会 村委会 新村 东风 红旗 光明 胜利 和平 团结 "
    "前进 幸福 建设 解放 新华 东方 太平 长安 向阳 民主 友谊 先锋 联合 新民 新兴 永安 文化 人民 "
    "中华 朝阳 东升 红星 繁荣 振兴 富强 和谐 希望 安全 健康 平安 吉祥 新时代"
)
GENERIC_WORDS = frozenset(_GENERIC_WORDS.split())
# NBS placeholders: real nodes of the tree, but no one writes them as a place.
PLACEHOLDERS = frozenset(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"])
# Names that are only meaningful with the parent's name in front of them.
GENERIC_FULL_NAMES = frozenset(["城区", "郊区", "矿区", "新区", "开发区", "高新区"])

_ETHNIC_GROUPS = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 "
    "水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
    "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺 各"
)
# Always written with 族 (广西壮族自治区), except 维吾尔 (新疆维吾尔自治区); 内蒙古 keeps 蒙古.
_ETHNIC = (
    "(?:(?:" + "|".join(sorted(_ETHNIC_GROUPS.split(), key=len, reverse=True)) + ")族|维吾尔)*"
)
# (pattern, short-name templates); the first pattern that matches wins.
_LOWER_RULES = [
    (r"(?P<b>.+社区)(?:居民委员会|居委会)", ["{b}"]),
    (r"(?P<b>.+?)(?:村民委员会|村委会)", ["{b}村", "{b}"]),
    (r"(?P<b>.+?)(?:居民委员会|居委会)", ["{b}"]),
    (r".+社区", []),
    (r"(?P<b>.+?)(?:街道办事处|街道|办事处|地区)", ["{b}"]),
    (rf"(?P<b>.+?){_ETHNIC}(?:民族乡|乡|镇|苏木)", ["{b}"]),
]
_UPPER_RULES = [
    (rf"(?P<b>.+?){_ETHNIC}自治(?:区|州|县|旗)", ["{b}"]),
    (r"(?P<b>.+?)(?:新区|地区|区|县|市|旗|盟|省)", ["{b}"]),
]
LOWER_RULES = [(re.compile(pattern), templates) for pattern, templates in _LOWER_RULES]
UPPER_RULES = [(re.compile(pattern), templates) for pattern, templates in _UPPER_RULES]

_BITMAP_BITS = 16
_BITMAP_MIX = np.uint64(0x9E3779B97F4A7C15)
_BITMAP_SHIFT = np.uint64(64 - _BITMAP_BITS)

# Dictionary thresholds (jieba's counts): a town or village short name this common is a word
# first and a place second; for counties only a frequent non-place word is.
LOWER_COMMON_FREQ = 100
LOWER_COMMON_NON_PLACE_FREQ = 20
UPPER_COMMON_NON_PLACE_FREQ = 1000
# Two-character words at least this common count as a word boundary crossed by a short name.
CROSSING_FREQ = 50
# A short name followed by one of these is the stem of another place's full name.
ADMIN_SUFFIXES = ("省", "市", "区", "县", "镇", "乡", "村", "旗", "街道", "社区")
_SUFFIX_CHARACTERS = frozenset("省市区县镇乡村旗")
# Town and village short names this short recur across the country: they need an ancestor
# among the nearest CONTEXT_ANCESTORS in the text to count.
CONTEXT_LENGTH = 2
CONTEXT_ANCESTORS = 2


@dataclass(frozen=True, slots=True)
class Dictionary:
    """What the gazetteer needs of jieba's dictionary, as sets of words (2–4 characters)."""

    common_lower: WordTable  # too common for a town or village short name (is_common_word)
    common_upper: WordTable  # too common for a county-level short name
    words: frozenset[str]  # 2-character words seen at least CROSSING_FREQ times
    places: frozenset[str]  # those of them that are place names


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """jieba's dictionary, the part of it the gazetteer uses (words seen at least 20 times).

    Only the verdicts are kept, not each word's frequency and part of speech, and the common
    words as WordTables (read at build only): the engine lives as long as its worker, and a
    dict of the 70,860 entries held about 20 MB of it.
    Empty when jieba's dictionary is not installed: GENERIC_WORDS still applies.
    """
    lower: list[str] = []
    upper: list[str] = []
    crossing: set[str] = set()
    places: set[str] = set()
    try:
        # Line by line: the whole file as one string and its matches cost the engine 6 MB
        # more for good, in memory the allocator kept.
        with resources.files("jieba").joinpath("dict.txt").open(encoding="utf-8") as lines:
            for line in lines:
                match = _DICTIONARY_LINE.match(line)
                if match is None:
                    continue
                word, frequency, pos = match.group(1), int(match.group(2)), match.group(3)
                is_place = pos.startswith("ns")
                if frequency >= LOWER_COMMON_FREQ or not is_place:  # all here are >= 20
                    lower.append(word)
                if frequency >= UPPER_COMMON_NON_PLACE_FREQ and not is_place:
                    upper.append(word)
                if len(word) == 2 and frequency >= CROSSING_FREQ:
                    crossing.add(word)
                    if is_place:
                        places.add(word)
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    return Dictionary(
        WordTable.of(lower), WordTable.of(upper), frozenset(crossing), frozenset(places)
    )


# Words of 2–4 characters seen at least 20 times (LOWER_COMMON_NON_PLACE_FREQ), filtered by the
# regular expression itself because the dictionary has 349,046 lines.
_DICTIONARY_LINE = re.compile(r"(\S{2,4}) (\d{3,}|[2-9]\d) (\S+)$")


def _is_upper(code: str) -> bool | None:
    """County level or above by NBS code length; None for codes of another scheme."""
    if code.isdigit() and len(code) in (2, 4, 6, 9, 12):
        return len(code) <= 6
    return None


def short_names(name: str, *, upper: bool | None = None) -> list[str]:
    """The short forms of an official name, before any filtering (泽州县 → [泽州]).

    `upper` says whether the region is county level or above; None tries both rule sets.
    """
    rule_sets = {True: [UPPER_RULES], False: [LOWER_RULES], None: [LOWER_RULES, UPPER_RULES]}
    for rules in rule_sets[upper]:
        for pattern, templates in rules:
            match = pattern.fullmatch(name)
            if match:
                return [template.format(**match.groupdict()) for template in templates]
    return []


def is_common_word(word: str, *, upper: bool) -> bool:
    """Whether a short name is more likely an ordinary word than this place."""
    if len(word) < 2 or word in GENERIC_WORDS:
        return True
    found = dictionary()
    return word in (found.common_upper if upper else found.common_lower)


@dataclass(frozen=True, slots=True)
class _Name:
    codes: tuple[str, ...]
    short: bool  # a short name of at least one of them, so checked for crossing words
    needs_context: frozenset[str]  # codes for which the name only counts next to an ancestor


class Gazetteer:
    """The names of a region tree in one automaton; see the module docstring for the rules.

    `regions` need their parent codes; `from_rows` derives them from NBS-style codes.
    `generic_words` adds deployment-specific words that must never tag a place alone.
    """

    def __init__(self, regions: Iterable[Region], *, generic_words: Iterable[str] = ()) -> None:
        self.regions = {region.code: region for region in regions}
        self.generic_words = frozenset(generic_words)
        self._ancestors = {code: tuple(self._chain(code)) for code in self.regions}
        # 晋城市城区 names 晋城市 too, though 晋城市 is inside a longer name there.
        self._named_parent: dict[str, str] = {}
        collected: dict[str, dict[str, tuple[bool, bool]]] = {}
        for region in self.regions.values():
            for alias, short, needs_context in self._aliases(region):
                if alias:  # a region without a name (a row typed blank) names nothing
                    collected.setdefault(alias, {})[region.code] = (short, needs_context)
        self.names = {
            alias: _Name(
                codes=tuple(codes),
                short=any(short for short, _ in codes.values()),
                needs_context=frozenset(c for c, (_, needs) in codes.items() if needs),
            )
            for alias, codes in collected.items()
        }
        self.automaton = ahocorasick.Automaton()
        for alias in self.names:
            self.automaton.add_word(alias, alias)
        if self.names:
            self.automaton.make_automaton()
        # The first two characters of every name, as integer keys: a text without any of them
        # mentions no region, and most posts have none (see `might_mention`).
        self._openings: np.ndarray | None = None
        if all(len(alias) >= 2 for alias in self.names):
            self._openings = np.array(
                sorted({(ord(alias[0]) << 21) | ord(alias[1]) for alias in self.names}),
                dtype=np.uint64,
            )
            # A bitmap of those keys' hashes: one gather rules out almost every pair, and only
            # the rest are searched exactly (a binary search costs ~50 ns a pair).
            self._opening_bits = np.zeros(1 << _BITMAP_BITS, dtype=bool)
            self._opening_bits[(self._openings * _BITMAP_MIX) >> _BITMAP_SHIFT] = True

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[str, str]], *, generic_words: Iterable[str] = ()
    ) -> "Gazetteer":
        """Rows of (code, name) where a parent's code is a prefix of its children's."""
        names = {code.strip(): name.strip() for code, name in rows}
        regions = []
        for code, name in names.items():
            parent = next(
                (code[:cut] for cut in range(len(code) - 1, 0, -1) if code[:cut] in names), ""
            )
            regions.append(Region(code=code, name=name, parent=parent))
        return cls(regions, generic_words=generic_words)

    def ancestors(self, code: str) -> list[str]:
        """Codes of the regions containing `code`, nearest first, as far as the tree is known.

        Raises KeyError for a code the gazetteer does not hold.
        """
        return list(self._ancestors[code])

    def _chain(self, code: str) -> list[str]:
        chain: list[str] = []
        parent = self.regions[code].parent
        while parent in self.regions and parent not in chain:
            chain.append(parent)
            parent = self.regions[parent].parent
        return chain

    def _is_lower(self, region: Region) -> bool:
        """Town or village level: by NBS code length, else two or more known ancestors."""
        upper = _is_upper(region.code)
        if upper is None:
            return len(self._ancestors[region.code]) >= 2
        return not upper

    def _aliases(self, region: Region) -> list[tuple[str, bool, bool]]:
        """(name, is short, needs context) for each way of writing `region`."""
        name = region.name.strip()
        if name in PLACEHOLDERS:
            return []
        if name in GENERIC_FULL_NAMES or name in self.generic_words:
            parent = self.regions.get(region.parent)
            if parent is None or parent.name in PLACEHOLDERS:
                return []
            prefixes = [parent.name, *self._usable_short_names(parent)]
            for prefix in prefixes:
                self._named_parent[prefix + name] = parent.code
            return [(prefix + name, False, False) for prefix in prefixes]
        lower = self._is_lower(region)
        shorts = [
            (short, True, lower and len(short) <= CONTEXT_LENGTH)
            for short in self._usable_short_names(region)
        ]
        return [(name, False, False), *shorts]

    def _usable_short_names(self, region: Region) -> list[str]:
        upper = _is_upper(region.code)
        return [
            short
            for short in short_names(region.name.strip(), upper=upper)
            if short != region.name
            and short not in self.generic_words
            and not is_common_word(short, upper=bool(upper))
        ]

    def might_mention(self, texts: list[str]) -> list[bool]:
        """Per text, whether it holds the first two characters of some name: False means `tag`
        finds nothing in it. One numpy pass over a whole batch, far cheaper than the automaton.
        """
        if self._openings is None:
            return [True] * len(texts)
        if not len(self._openings) or not texts:
            return [False] * len(texts)
        joined = "\x00".join(texts) + "\x00"
        if joined.count("\x00") != len(texts):  # a text with NUL in it: rows must not shift
            joined = "\x00".join(text.replace("\x00", " ") for text in texts) + "\x00"
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        row = np.cumsum(codes == 0)
        keys = (codes[:-1] << np.uint64(21)) | codes[1:]
        maybe = np.flatnonzero(self._opening_bits[(keys * _BITMAP_MIX) >> _BITMAP_SHIFT])
        flags = np.zeros(len(texts), dtype=bool)
        if len(maybe):
            keys = keys[maybe]
            at = np.minimum(np.searchsorted(self._openings, keys), len(self._openings) - 1)
            # A pair that straddles two texts holds the NUL separator, which no name has.
            flags[row[maybe[self._openings[at] == keys]]] = True
        return flags.tolist()

    def tag(self, text: str) -> list[str]:
        """Codes of the regions `text` (normalised) mentions, most specific first."""
        if not self.names or not text:
            return []
        mentions = self._mentions(text)
        certain = {
            name.codes[0]
            for _, _, name in mentions
            if len(name.codes) == 1 and not name.needs_context
        }
        certain.update(
            self._named_parent[alias] for _, alias, _ in mentions if alias in self._named_parent
        )
        found: dict[str, int] = {}
        for start, alias, name in mentions:
            if alias in self._named_parent:
                found.setdefault(self._named_parent[alias], start)
            code = self._resolve(name, certain)
            if code and code not in found:
                found[code] = start
        return sorted(found, key=lambda code: (-len(self._ancestors[code]), found[code]))

    def _mentions(self, text: str) -> list[tuple[int, str, _Name]]:
        spans = [(end - len(alias) + 1, end, alias) for end, alias in self.automaton.iter(text)]
        # Longest first at each start, so a name inside a longer one is seen as covered.
        spans.sort(key=lambda span: (span[0], -span[1]))
        mentions = []
        covered_until = -1
        for start, end, alias in spans:
            if end <= covered_until:
                continue
            covered_until = end
            name = self.names[alias]
            if name.short and _is_part_of_other_words(text, start, end):
                continue
            mentions.append((start, alias, name))
        return mentions

    def _resolve(self, name: _Name, certain: set[str]) -> str:
        """The one region a mention stands for, or "" when the text does not say which."""
        allowed = [
            code
            for code in name.codes
            if code not in name.needs_context
            or not certain.isdisjoint(self._ancestors[code][:CONTEXT_ANCESTORS])
        ]
        if len(allowed) <= 1:
            return allowed[0] if allowed else ""
        in_context = [code for code in allowed if not certain.isdisjoint(self._ancestors[code])]
        pool = in_context or allowed
        top = min(len(self._ancestors[code]) for code in pool)
        highest = [code for code in pool if len(self._ancestors[code]) == top]
        return highest[0] if len(highest) == 1 else ""


def _is_part_of_other_words(text: str, start: int, end: int) -> bool:
    if text.startswith(ADMIN_SUFFIXES, end + 1):
        return True
    words = dictionary()
    # After 镇, 县 … a new name starts: 南村镇南村村 does not cross the place name 镇南.
    boundary = start == 0 or text[start - 1] in _SUFFIX_CHARACTERS
    before = "" if boundary else text[start - 1 : start + 1]
    after = text[end : end + 2] if end + 1 < len(text) else ""
    if before in words.places or after in words.places:
        return True
    return before in words.words and after in words.words


class LocalityTagger(Stage):
    """Sets post.regions to the codes of the regions post.normalized mentions.

    A post that has not been through the Normalizer is normalised here first.
    """

    name = "locality"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def __call__(self, post: Post) -> Post:
        if not post.normalized:
            post.normalized, post.features = normalize_text(post.text)
        post.regions = self.gazetteer.tag(post.normalized)
        return post

    def process_batch(self, batch: list[Post], *, on_error: ErrorHandler) -> list[Post]:
        try:
            flags = self.gazetteer.might_mention(
                [post.normalized if isinstance(post.normalized, str) else "" for post in batch]
            )
        except Exception:  # a batch that fails as a whole is handled post by post
            return super().process_batch(batch, on_error=on_error)
        out = []
        for post, flag in zip(batch, flags, strict=True):
            if post.normalized and not flag:
                post.regions = []
                out.append(post)
                continue
            try:
                out.append(self(post))
            except Exception as error:  # one bad post must not end the stream
                on_error(self.name, post, error)
                out.append(post)
        return out
