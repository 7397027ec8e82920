"""Normalisation: traditional → simplified, full-width → half-width, and the Weibo furniture
(URLs, @mentions, #topics#, [表情] emoticons, emoji) taken out of the text but kept as features.

The normalised text is what keyword schemes, the gazetteer, classifiers and near-duplicate
detection read; the features let models and reasons use what was taken out.
"""

import re
import unicodedata
from functools import lru_cache

from opinion_engine.pipeline import Stage
from opinion_engine.types import Post

URL = re.compile(
    r"(?:https?://|www\.)[^\s\u4e00-\u9fff，。！？、]+|\b[a-z0-9.-]+\.(?:cn|com|net)/[^\s]*", re.I
)
MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
REPOST = re.compile(r"//@[\w\u4e00-\u9fff\-]{1,30}[:：]")
HASHTAG = re.compile(r"#([^#\n]{1,60})#")
EMOTICON = re.compile(r"\[([\u4e00-\u9fffA-Za-z]{1,8})\]")
EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U00002300-\U000023ff"
    "\u2b50\u2b55\u203c\u2049\u3030\u303d]"
)
_WWW = re.compile(r"www\.", re.I)
SPACES = re.compile(r"\s+")
# Runs of "?" are what emoji became in exports that lost them; they carry no meaning.
LOST_EMOJI = re.compile(r"\?{2,}")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    try:
        return _converter().convert(text)
    except UnicodeEncodeError:  # OpenCC reads UTF-8, which a lone surrogate cannot be
        return _converter().convert(valid_unicode(text))


def valid_unicode(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD (and a split pair joined).

    JSON's "\\ud800" decodes to a lone surrogate, and so does a string cut in the middle of a
    UTF-16 pair: neither can be written as UTF-8, which OpenCC, hashing and databases need.
    """
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def valid_strings(value: object) -> object:
    """A decoded JSON value with `valid_unicode` applied to every string in it, keys included;
    lists and dicts are changed in place.

    A loop, not recursion: json accepts nesting nearly as deep as Python's recursion limit, and
    this runs below the caller's frames."""
    if isinstance(value, str):
        return valid_unicode(value)
    pending = [value] if isinstance(value, dict | list) else []
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            items = list(node.items())
            node.clear()
            for key, item in items:
                node[valid_unicode(key)] = item  # JSON's keys are strings
            pairs = list(node.items())
        else:
            pairs = list(enumerate(node))
        for place, item in pairs:
            if isinstance(item, str):
                node[place] = valid_unicode(item)
            elif isinstance(item, dict | list):
                pending.append(item)
    return value


def to_halfwidth(text: str) -> str:
    """NFKC of a text with full-width ASCII (Ａ１！，) in it: half-width; others stay as they are.

    Chinese posts are full of full-width punctuation, so the common case is a plain character
    table; NFKC itself runs only when something else in the text needs it. The result is the
    same: those characters' NFKC forms are the ASCII ones the table gives.
    """
    if not _has_fullwidth(text):
        return text
    # A substitution per match beats str.translate here: a post has a few such characters.
    text = FULLWIDTH.sub(_halfwidth_match, text)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
_HALFWIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"\u3000": " "}


def _halfwidth_match(match: re.Match) -> str:
    return _HALFWIDTH[match.group()]


def _has_fullwidth(text: str) -> bool:
    return FULLWIDTH.search(text) is not None


# Raw texts that normalise to nothing ("[哈哈][哈哈]", a bare link) and their features. Every
# later stage that finds post.normalized empty normalises the post again to be sure, so these
# are remembered (a few thousand at most) instead of being worked out once per stage.
_EMPTY: dict[str, dict[str, list[str]]] = {}
_EMPTY_LIMIT = 4096


def normalize_text(text: str) -> tuple[str, dict[str, list[str]]]:
    """The normalised text and the features taken out of it."""
    known = _EMPTY.get(text) if text else None
    if known is not None:
        return "", {key: list(values) for key, values in known.items()}
    raw = text
    text = to_halfwidth(to_simplified(text or ""))
    features: dict[str, list[str]] = {}
    # Each pattern is scanned only when the character it cannot match without is there: most
    # posts have no URL, mention, topic or emoticon, and a test for a character costs far less
    # than a regex scan.
    # Every URL has "/" ("://", ".cn/…") or "www."; most "." in posts are "..." or numbers.
    if "/" in text or ("." in text and _WWW.search(text)):
        urls = URL.findall(text)
        if urls:
            features["urls"] = urls
            text = URL.sub(" ", text)
    if "@" in text:
        if "//@" in text:
            reposts = REPOST.findall(text)
            if reposts:
                features["reposts"] = [r[3:-1] for r in reposts]
                text = REPOST.sub(" ", text)
        mentions = MENTION.findall(text)
        if mentions:
            features["mentions"] = [m[1:] for m in mentions]
            text = MENTION.sub(" ", text)
    if "#" in text:
        hashtags = HASHTAG.findall(text)
        if hashtags:
            # A topic's words are part of what the post says; only the # marks go.
            features["hashtags"] = hashtags
            text = HASHTAG.sub(lambda m: " " + m.group(1) + " ", text)
    if "[" in text:
        emoticons = EMOTICON.findall(text)
        if emoticons:
            features["emoticons"] = emoticons
            text = EMOTICON.sub(" ", text)
    emoji = EMOJI.findall(text)
    if emoji:
        features["emoji"] = emoji
        text = EMOJI.sub(" ", text)
    if "??" in text:
        text = LOST_EMOJI.sub(" ", text)
    text = SPACES.sub(" ", text).strip()
    if not text and raw and isinstance(raw, str):
        if len(_EMPTY) >= _EMPTY_LIMIT:
            _EMPTY.clear()
        _EMPTY[raw] = {key: list(values) for key, values in features.items()}
    return text, features


class Normalizer(Stage):
    name = "normalize"

    def __call__(self, post: Post) -> Post:
        post.normalized, post.features = normalize_text(post.text)
        return post
