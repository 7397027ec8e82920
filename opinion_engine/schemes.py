"""Monitoring schemes (监测方案): boolean keyword expressions matched against normalised posts.

Syntax, as an analyst types it (operators are case-insensitive; full-width （）“”＋｜！ work too):

    泽州 OR 晋城        either word; also 泽州 | 晋城 and 泽州 或 晋城
    泽州 AND 疫情       both words; also 泽州 & 疫情, 泽州 + 疫情, 泽州 且 疫情 and 泽州 疫情
                        (words side by side mean AND)
    疫情 NOT 演习       疫情 and not 演习; also 疫情 -演习, 疫情 !演习 and 疫情 非 演习
    (泽州 OR 高平) 疫情  parentheses group
    "new york"          quotes make one word of anything, spaces and operators included
    NEAR/10(泽州, 聚集)  both words with at most 10 characters between them; either side may list
                        alternatives: NEAR/10(泽州|高平, 聚集 OR 集合)

Precedence is NOT > AND > OR, so ``a OR b c`` is ``a OR (b AND c)`` and a typical scheme reads
``(泽州 OR 晋城 OR 高平) AND (疫情 OR 肺炎 OR 确诊) NOT (演习 OR 电视剧)``.

Lexical rules. 且, 或 and 非 are operators only when they stand alone between spaces or brackets,
so 非典 and 或许 stay words. ``-`` between two ASCII letters or digits is part of the word
(covid-19); anywhere else it is NOT. A comma is only allowed inside NEAR(...).

Matching is on the normalised text (`opinion_engine.normalize`), lower-cased; scheme words get the
same treatment (traditional → simplified, full-width → half-width, lower case). A word is a
substring, except that a word starting with an ASCII letter or digit must not continue a Latin
word in the text (``sars`` does not match inside ``tsars``; ``mask`` does match ``masks``).
NEAR/N counts the characters strictly between the two occurrences; overlapping or adjacent
occurrences are at distance 0.

A scheme must need at least one word to be present: ``NOT 演习`` alone is rejected, because a
scheme that matches posts containing none of its words would match almost everything.

Every problem raises `SchemeSyntaxError(message, expression, position)`, with a Chinese message
and the 0-based offset of the character where parsing failed.

`SchemeSet` compiles any number of schemes into ONE Aho-Corasick automaton: one pass over a post
finds every scheme word in it, and only schemes whose required words occur are evaluated, so the
cost per post barely grows with the number of schemes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from opinion_engine.errors import SchemeSyntaxError
from opinion_engine.normalize import normalize_text, to_halfwidth, to_simplified
from opinion_engine.pipeline import Stage
from opinion_engine.types import Post, Scheme

MAX_NEAR_DISTANCE = 500
MAX_DEPTH = 40

E_EMPTY = "方案表达式为空"
E_EMPTY_QUOTES = "引号内没有关键词"
E_UNCLOSED_QUOTE = "引号未闭合"
E_UNCLOSED_PAREN = "括号未闭合，缺少与之对应的“)”"
E_EXTRA_PAREN = "多余的“)”，前面没有与之对应的“(”"
E_EMPTY_PARENS = "括号内没有关键词"
E_MISSING_AFTER = "“{op}”后面缺少关键词"
E_MISSING_BEFORE = "“{op}”前面缺少关键词"
E_COMMA = "逗号只能用在 NEAR/N(词1, 词2) 中"
E_NEAR_DISTANCE = "NEAR 后应写距离，例如 NEAR/10(泽州, 聚集)"
E_NEAR_RANGE = "NEAR 的距离应为 1 到 {max} 之间的整数"
E_NEAR_PAREN = "NEAR/N 后应紧跟“(”，例如 NEAR/10(泽州, 聚集)"
E_NEAR_WORD = "NEAR(...) 的参数只能是关键词，多个候选词用 | 分隔"
E_NEAR_COMMA = "NEAR(...) 需要两个参数，用逗号分隔"
E_NEAR_ARITY = "NEAR(...) 只能有两个参数"
E_NEAR_UNCLOSED = "NEAR(...) 的括号未闭合"
E_TOO_DEEP = "括号或 NOT 嵌套过深"
E_ONLY_EXCLUSIONS = "方案至少要有一个必须出现的关键词，不能只有排除词"

# Full-width and Chinese-IME punctuation an analyst types without noticing; one character each,
# so error positions still point into the expression as typed.
_PUNCTUATION = str.maketrans("（）“”＂＆｜！＋－，", '()"""&|!+-,')
_KEYWORDS = {"and": "AND", "且": "AND", "or": "OR", "或": "OR", "not": "NOT", "非": "NOT"}
_SYMBOLS = {"&": "AND", "+": "AND", "|": "OR", "!": "NOT", "-": "NOT"}
_BREAKS = set(' \t\r\n\u3000()"&|!+,')


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def normalize_word(word: str) -> str:
    """A scheme word as it appears in normalised, lower-cased post text."""
    return " ".join(to_halfwidth(to_simplified(word)).lower().split())


# --- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # as the analyst wrote it, for explanations
    norm: str  # as it is matched
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Near:
    left: tuple[Word, ...]
    right: tuple[Word, ...]
    distance: int


Node = Word | Not | And | Or | Near


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # WORD, AND, OR, NOT, NEAR, LPAREN, RPAREN, COMMA, END
    position: int
    text: str = ""
    distance: int = 0


def _tokenize(expression: str) -> list[_Token]:
    source = expression.translate(_PUNCTUATION)
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(_Token("LPAREN" if char == "(" else "RPAREN", i, char))
            i += 1
        elif char == ",":
            tokens.append(_Token("COMMA", i, char))
            i += 1
        elif char == '"':
            end = source.find('"', i + 1)
            if end < 0:
                raise SchemeSyntaxError(E_UNCLOSED_QUOTE, expression, i)
            text = expression[i + 1 : end]
            if not normalize_word(text):
                raise SchemeSyntaxError(E_EMPTY_QUOTES, expression, i)
            tokens.append(_Token("WORD", i, text))
            i = end + 1
        elif char in _SYMBOLS:
            end = i + 1
            # "&&" and "||" are what programmers type; they mean the same as "&" and "|".
            while char in "&|" and end < n and source[end] == char:
                end += 1
            tokens.append(_Token(_SYMBOLS[char], i, expression[i:end]))
            i = end
        else:
            end = i
            while end < n and source[end] not in _BREAKS:
                if source[end] == "-" and not (
                    end > i
                    and _is_ascii_alnum(source[end - 1])
                    and end + 1 < n
                    and _is_ascii_alnum(source[end + 1])
                ):
                    break
                end += 1
            tokens.append(_word_token(expression, i, expression[i:end]))
            i = end
    tokens.append(_Token("END", n))
    return tokens


def _word_token(expression: str, position: int, text: str) -> _Token:
    keyword = _KEYWORDS.get(text.lower())
    if keyword:
        return _Token(keyword, position, text)
    if text.lower() == "near":
        raise SchemeSyntaxError(E_NEAR_DISTANCE, expression, position)
    if text.lower().startswith("near/"):
        digits = text[5:]
        if not digits.isascii() or not digits.isdigit():
            raise SchemeSyntaxError(E_NEAR_DISTANCE, expression, position + 5)
        # int() of thousands of digits is refused (and slow): no distance in range is that long.
        distance = int(digits) if len(digits.lstrip("0")) <= 3 else MAX_NEAR_DISTANCE + 1
        if not 1 <= distance <= MAX_NEAR_DISTANCE:
            raise SchemeSyntaxError(
                E_NEAR_RANGE.format(max=MAX_NEAR_DISTANCE), expression, position + 5
            )
        return _Token("NEAR", position, text, distance)
    return _Token("WORD", position, text)


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not ([AND] not)*; not := NOT not | primary."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = _tokenize(expression)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, message: str, position: int) -> SchemeSyntaxError:
        return SchemeSyntaxError(message, self.expression, position)

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if self.token.kind == "END":
            raise self.fail(E_EMPTY, 0)
        node = self.parse_or()
        if self.token.kind == "RPAREN":
            raise self.fail(E_EXTRA_PAREN, self.token.position)
        if self.token.kind == "COMMA":
            raise self.fail(E_COMMA, self.token.position)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.token.kind == "OR":
            self.advance()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(_flatten(Or, children))

    def parse_and(self) -> Node:
        children = [self.parse_not()]
        while self.token.kind in ("AND", "NOT", "WORD", "LPAREN", "NEAR"):
            if self.token.kind == "AND":
                self.advance()
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else And(_flatten(And, children))

    def parse_not(self) -> Node:
        if self.token.kind == "NOT":
            operator = self.advance()
            self.enter(operator)
            node = Not(self.parse_not())
            self.depth -= 1
            return node
        return self.parse_primary()

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(E_TOO_DEEP, token.position)

    def parse_primary(self) -> Node:
        token = self.token
        if token.kind == "WORD":
            self.advance()
            return _word(token)
        if token.kind == "LPAREN":
            return self.parse_group()
        if token.kind == "NEAR":
            return self.parse_near()
        raise self.missing_operand()

    def missing_operand(self) -> SchemeSyntaxError:
        token = self.token
        previous = self.tokens[self.index - 1] if self.index else None
        if token.kind == "COMMA":
            return self.fail(E_COMMA, token.position)
        if token.kind in ("AND", "OR"):
            return self.fail(E_MISSING_BEFORE.format(op=token.text), token.position)
        # At ")" or at the end, the fault is whatever was left open just before.
        if previous is None:
            return self.fail(E_EXTRA_PAREN, token.position)
        if previous.kind == "LPAREN":
            message = E_EMPTY_PARENS if token.kind == "RPAREN" else E_UNCLOSED_PAREN
            return self.fail(message, previous.position)
        return self.fail(E_MISSING_AFTER.format(op=previous.text), previous.position)

    def parse_group(self) -> Node:
        opening = self.advance()
        self.enter(opening)
        node = self.parse_or()
        if self.token.kind == "COMMA":
            raise self.fail(E_COMMA, self.token.position)
        if self.token.kind != "RPAREN":
            raise self.fail(E_UNCLOSED_PAREN, opening.position)
        self.advance()
        self.depth -= 1
        return node

    def parse_near(self) -> Node:
        near = self.advance()
        if self.token.kind != "LPAREN":
            raise self.fail(E_NEAR_PAREN, near.position)
        opening = self.advance()
        left = self.parse_near_words(opening)
        if self.token.kind != "COMMA":
            raise self.near_fault(opening, E_NEAR_COMMA)
        self.advance()
        right = self.parse_near_words(opening)
        if self.token.kind != "RPAREN":
            raise self.near_fault(opening, E_NEAR_ARITY)
        self.advance()
        return Near(tuple(left), tuple(right), near.distance)

    def near_fault(self, opening: _Token, at_separator: str) -> SchemeSyntaxError:
        token = self.token
        if token.kind == "END":
            return self.fail(E_NEAR_UNCLOSED, opening.position)
        if token.kind in ("COMMA", "RPAREN"):
            return self.fail(at_separator, token.position)
        return self.fail(E_NEAR_WORD, token.position)

    def parse_near_words(self, opening: _Token) -> list[Word]:
        words = [self.near_word(opening)]
        while self.token.kind == "OR":
            self.advance()
            words.append(self.near_word(opening))
        return words

    def near_word(self, opening: _Token) -> Word:
        token = self.token
        if token.kind == "END":
            raise self.fail(E_NEAR_UNCLOSED, opening.position)
        if token.kind != "WORD":
            raise self.fail(E_NEAR_WORD, token.position)
        self.advance()
        return _word(token)


def _word(token: _Token) -> Word:
    return Word(token.text, normalize_word(token.text), token.position)


def _flatten(kind: type[And] | type[Or], children: list[Node]) -> tuple[Node, ...]:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else [child])
    return tuple(flat)


def parse_expression(expression: str) -> Node:
    """The syntax tree of `expression`; raises SchemeSyntaxError, also for exclusion-only ones."""
    node = _Parser(expression).parse()
    if _required(node, positive=True, cost=lambda words: 0) is None:
        raise SchemeSyntaxError(E_ONLY_EXCLUSIONS, expression, 0)
    return node


def _words(node: Node) -> list[Word]:
    if isinstance(node, Word):
        return [node]
    if isinstance(node, Not):
        return _words(node.child)
    if isinstance(node, Near):
        return [*node.left, *node.right]
    return [word for child in node.children for word in _words(child)]


def _required(
    node: Node, *, positive: bool, cost: Callable[[frozenset[str]], float]
) -> frozenset[str] | None:
    """Words of which at least one must be present for `node` to be `positive`; None if none is.

    Works on the negation normal form without building it: under NOT, AND behaves as OR and
    OR as AND (De Morgan). For an AND-like node any one child's set suffices, so the cheapest
    is kept: that is what makes common words (疫情) stop triggering hundreds of schemes.
    """
    if isinstance(node, Word):
        return frozenset([node.norm]) if positive else None
    if isinstance(node, Not):
        return _required(node.child, positive=not positive, cost=cost)
    if isinstance(node, Near):
        if not positive:
            return None
        sides = [frozenset(w.norm for w in node.left), frozenset(w.norm for w in node.right)]
        return min(sides, key=cost)
    children = [_required(child, positive=positive, cost=cost) for child in node.children]
    all_of = isinstance(node, And) == positive
    if all_of:
        options = [child for child in children if child is not None]
        return min(options, key=cost) if options else None
    if any(child is None for child in children):
        return None
    return frozenset().union(*children)


# --- compiled set ------------------------------------------------------------------------------


def _near(
    hits: list[tuple[int, int]],
    spec: tuple[frozenset[int], frozenset[int], int],
    lengths: list[int],
) -> bool:
    left_ids, right_ids, distance = spec
    left = [(end - lengths[w] + 1, end) for end, w in hits if w in left_ids]
    right = [(end - lengths[w] + 1, end) for end, w in hits if w in right_ids]
    for start_a, end_a in left:
        for start_b, end_b in right:
            if (start_a, end_a) != (start_b, end_b) and (
                max(start_b - end_a, start_a - end_b) - 1 <= distance
            ):
                return True
    return False


class _CodeWriter:
    """Turns a tree into the source of `lambda p, h: …` over word ids.

    Generated code, because a scheme is evaluated for many posts and a flat boolean expression
    runs several times faster in CPython than a tree of closures; only integers and names of
    this module's constants enter the source, never analyst text.
    """

    def __init__(self, ids: dict[str, int]) -> None:
        self.ids = ids
        self.constants: dict[str, object] = {}

    def constant(self, value: object) -> str:
        name = f"c{len(self.constants)}"
        self.constants[name] = value
        return name

    def write(self, node: Node) -> str:
        if isinstance(node, Word):
            return f"({self.ids[node.norm]} in p)"
        if isinstance(node, Not):
            if isinstance(node.child, Or) and all(isinstance(c, Word) for c in node.child.children):
                return f"{self.word_set(node.child.children)}.isdisjoint(p)"
            return f"(not {self.write(node.child)})"
        if isinstance(node, Near):
            left, right = self.word_set(node.left), self.word_set(node.right)
            spec = self.constant((self.constants[left], self.constants[right], node.distance))
            return (
                f"(not {left}.isdisjoint(p) and not {right}.isdisjoint(p)"
                f" and near(h, {spec}, lengths))"
            )
        if isinstance(node, Or) and all(isinstance(c, Word) for c in node.children):
            return f"(not {self.word_set(node.children)}.isdisjoint(p))"
        joiner = " and " if isinstance(node, And) else " or "
        return "(" + joiner.join(self.write(child) for child in node.children) + ")"

    def word_set(self, words: Iterable[Word]) -> str:
        return self.constant(frozenset(self.ids[word.norm] for word in words))


Evaluator = Callable[[set[int], list[tuple[int, int]]], bool]


class SchemeSet:
    """All monitoring schemes compiled together; see the module docstring for the syntax.

    `automaton` is the single Aho-Corasick automaton holding every distinct word once.
    Raises SchemeSyntaxError (with a note naming the scheme) for the first bad expression, and
    ValueError for a repeated scheme id.
    """

    def __init__(self, schemes: Sequence[Scheme]) -> None:
        self.schemes = list(schemes)
        self._index = {}
        trees: list[Node] = []
        for position, scheme in enumerate(self.schemes):
            if scheme.id in self._index:
                raise ValueError(f"duplicate scheme id {scheme.id!r}")
            self._index[scheme.id] = position
            try:
                trees.append(parse_expression(scheme.expression))
            except SchemeSyntaxError as error:
                error.add_note(f"scheme {scheme.id} ({scheme.name})")
                raise
        self._trees = trees

        words: dict[str, int] = {}
        schemes_using: dict[str, int] = {}
        for tree in trees:
            norms = {word.norm for word in _words(tree)}
            for norm in norms:
                words.setdefault(norm, len(words))
                schemes_using[norm] = schemes_using.get(norm, 0) + 1
        self.words = list(words)
        self._word_ids = words
        self._lengths = [len(norm) for norm in self.words]
        self._latin = {i for i, norm in enumerate(self.words) if _is_ascii_alnum(norm[0])}
        # Lower-casing a post costs as much as a third of the scan; without a cased letter in any
        # word (all-Chinese schemes) it cannot change what matches.
        self._cased = any(char.lower() != char.upper() for char in "".join(self.words))

        def cost(norms: frozenset[str]) -> tuple[int, int]:
            # Words shared by many schemes (疫情) make poor triggers; prefer rare, long words.
            return sum(schemes_using[n] for n in norms), -min(len(n) for n in norms)

        triggers: list[list[int]] = [[] for _ in self.words]
        self._evaluators: list[Evaluator] = []
        for position, tree in enumerate(trees):
            for norm in _required(tree, positive=True, cost=cost) or ():
                triggers[words[norm]].append(position)
            self._evaluators.append(self._compile(tree, words))
        self._triggers = [tuple(t) for t in triggers]

        self.automaton = ahocorasick.Automaton()
        for norm, word_id in words.items():
            self.automaton.add_word(norm, word_id)
        if words:
            self.automaton.make_automaton()

    def _compile(self, tree: Node, ids: dict[str, int]) -> Evaluator:
        writer = _CodeWriter(ids)
        source = "lambda p, h: " + writer.write(tree)
        namespace = {"near": _near, "lengths": self._lengths, **writer.constants}
        return eval(compile(source, "<scheme>", "eval"), namespace)

    def __len__(self) -> int:
        return len(self.schemes)

    def _scan(self, text: str) -> tuple[set[int], list[tuple[int, int]]]:
        if not self.words:
            return set(), []
        if self._cased:
            text = text.lower()
        hits = list(self.automaton.iter(text))
        present = {word_id for _, word_id in hits}
        if present & self._latin:
            hits = [
                (end, w)
                for end, w in hits
                if w not in self._latin or _latin_starts_word(text, end - self._lengths[w] + 1)
            ]
            present = {word_id for _, word_id in hits}
        return present, hits

    def match(self, text: str) -> list[str]:
        """Ids of the schemes `text` (normalised) matches, in the order the schemes were given."""
        present, hits = self._scan(text)
        if not present:
            return []
        candidates: set[int] = set()
        triggers = self._triggers
        for word_id in present:
            candidates.update(triggers[word_id])
        evaluators, schemes = self._evaluators, self.schemes
        return [schemes[i].id for i in sorted(candidates) if evaluators[i](present, hits)]

    def explain(self, text: str, scheme_id: str) -> list[str]:
        """The words, as the analyst wrote them, that make `scheme_id` match `text`.

        Ordered by where they first occur in the text; empty when the scheme does not match.
        Raises KeyError for an unknown scheme id.
        """
        tree = self._trees[self._index[scheme_id]]
        present, hits = self._scan(text)
        ids = self._word_ids
        matched, reasons = self._explain(tree, present, hits, ids)
        if not matched:
            return []
        first_seen: dict[int, int] = {}
        for end, word_id in hits:
            first_seen.setdefault(word_id, end)
        unique = {}
        for word in reasons:
            unique.setdefault(word.text, first_seen[ids[word.norm]])
        return sorted(unique, key=unique.__getitem__)

    def _explain(
        self,
        node: Node,
        present: set[int],
        hits: list[tuple[int, int]],
        ids: dict[str, int],
        *,
        positive: bool = True,
    ) -> tuple[bool, list[Word]]:
        """Whether `node` is `positive` for the text, and the present words that make it so.

        On the negation normal form, as `_required`: a NOT flips what its child must be, so
        NOT NOT 泽州 is explained by 泽州, and only a word that must be present is a reason.
        """
        if isinstance(node, Word):
            found = ids[node.norm] in present
            if not positive:
                return not found, []
            return found, [node] if found else []
        if isinstance(node, Not):
            return self._explain(node.child, present, hits, ids, positive=not positive)
        if isinstance(node, Near):
            for left in node.left:
                for right in node.right:
                    spec = (
                        frozenset([ids[left.norm]]),
                        frozenset([ids[right.norm]]),
                        node.distance,
                    )
                    if _near(hits, spec, self._lengths):
                        return (True, [left, right]) if positive else (False, [])
            return not positive, []
        results = [
            self._explain(child, present, hits, ids, positive=positive) for child in node.children
        ]
        if isinstance(node, And) == positive:  # all of the children must hold
            if all(matched for matched, _ in results):
                return True, [word for _, words in results for word in words]
            return False, []
        words = [word for matched, found in results if matched for word in found]
        return any(matched for matched, _ in results), words


def _latin_starts_word(text: str, start: int) -> bool:
    return start == 0 or not _is_ascii_alnum(text[start - 1])


class SchemeMatcher(Stage):
    """Sets post.schemes to the ids of the schemes post.normalized matches.

    A post that has not been through the Normalizer is normalised here first (post.normalized
    and post.features are filled in), so the stage also works alone.
    """

    name = "schemes"

    def __init__(self, scheme_set: SchemeSet) -> None:
        self.scheme_set = scheme_set

    def __call__(self, post: Post) -> Post:
        if not post.normalized:
            post.normalized, post.features = normalize_text(post.text)
        post.schemes = self.scheme_set.match(post.normalized)
        return post


# --- realistic schemes for tests and benchmarks ------------------------------------------------

_REGION_WORDS = (
    "晋城 泽州 高平 阳城 陵川 沁水 北石店 巴公 高都 大阳 南村 金村 川底 犁川 周村 下村 大东沟 "
    "晋庙铺 山河镇 大箕 柳树口 北义城 南岭 米山 三甲 神农镇 陈区 北诗 马村 野川 寺庄 建宁 石末 "
    "原村 凤城 北留 润城 町店 芹池 次营 横河 东冶 演礼 白桑 寺头 董封 崇文 礼义 附城 西河底 平城 "
    "杨村 潞城 夺火 马圪当 古郊 六泉 龙港 中村 郑庄 端氏 嘉峰 郑村 柿庄 土沃 张村 胡底 固县 "
    "太原 小店 迎泽 杏花岭 尖草坪 万柏林 晋源 清徐 阳曲 娄烦 古交 长治 潞州 上党 屯留 襄垣 平顺 "
    "黎城 壶关 长子 武乡 沁县 沁源 临汾 尧都 曲沃 翼城 襄汾 洪洞 安泽 浮山 乡宁 大宁 隰县 永和 "
    "蒲县 汾西 侯马 霍州 运城 盐湖 临猗 万荣 闻喜 稷山 新绛 绛县 垣曲 夏县 平陆 芮城 永济 河津 "
    "大同 朔州 忻州 吕梁 晋中 阳泉 榆次 介休 平遥 灵石 孝义 汾阳 离石"
)
REGION_WORDS = tuple(_REGION_WORDS.split())
_EPIDEMIC_WORDS = (
    "疫情 肺炎 确诊 核酸 阳性 隔离 封控 新冠 病例 密接 发热 防控 疫苗 口罩 健康码 行程码 方舱 "
    "感染 无症状 风险区 静默 管控 流调 病毒 发烧 咳嗽 次密接 核酸检测 抗原 封城"
)
EPIDEMIC_WORDS = tuple(_EPIDEMIC_WORDS.split())
_RISK_WORDS = (
    "聚集 集合 维权 讨说法 上访 拉横幅 堵路 冲突 打人 抢购 涨价 囤货 断供 缺药 谣言 造谣 恐慌 "
    "闹事 围堵 示威 罢工 欠薪 投诉 不满 举报 死亡 跑路 哄抢 物资 买不到 没人管 求助"
)
RISK_WORDS = tuple(_RISK_WORDS.split())
_EXCLUSION_WORDS = "演习 演练 电视剧 电影 游戏 小说 动漫 综艺 彩排 模拟 剧情 广告"
EXCLUSION_WORDS = tuple(_EXCLUSION_WORDS.split())
CATEGORIES = ("epidemic", "gathering", "inciting", "negative", "rumour", "")


def generate_schemes(n: int, seed: int = 0) -> list[Scheme]:
    """`n` realistic schemes (regions × epidemic/risk words − exclusions), the same for a seed.

    Mixes every syntax form (OR/AND/NOT words, symbols, 且/或/非, quotes, NEAR) the way district
    and county publicity groups write them; used by the tests and by the benchmark.
    """
    rng = random.Random(seed)

    def group(words: Sequence[str], low: int, high: int, joiner: str = " OR ") -> str:
        return "(" + joiner.join(rng.sample(words, rng.randint(low, high))) + ")"

    shapes: list[Callable[[], str]] = [
        lambda: (
            f"{group(REGION_WORDS, 1, 4)} AND {group(EPIDEMIC_WORDS, 2, 5)}"
            f" NOT {group(EXCLUSION_WORDS, 1, 3)}"
        ),
        lambda: (
            f"{group(REGION_WORDS, 1, 3, '|')}+{group(RISK_WORDS, 1, 4, '|')}"
            f"-{rng.choice(EXCLUSION_WORDS)}"
        ),
        lambda: (
            f"NEAR/{rng.choice([5, 10, 20])}({rng.choice(REGION_WORDS)}|"
            f"{rng.choice(REGION_WORDS)}, {rng.choice(RISK_WORDS)}|{rng.choice(RISK_WORDS)})"
            f" NOT {rng.choice(EXCLUSION_WORDS)}"
        ),
        lambda: (
            f"{rng.choice(REGION_WORDS)} 且 {group(EPIDEMIC_WORDS, 1, 3, ' 或 ')}"
            f" 非 {rng.choice(EXCLUSION_WORDS)}"
        ),
        lambda: (
            f"{group(REGION_WORDS, 1, 3)} AND {group(EPIDEMIC_WORDS, 1, 3)}"
            f" AND {group(RISK_WORDS, 1, 3)}"
        ),
        lambda: (
            f'"{rng.choice(REGION_WORDS)}{rng.choice(["市", "县", "镇"])}"'
            f" {group(RISK_WORDS, 2, 4)} -{group(EXCLUSION_WORDS, 1, 2, ' | ')}"
        ),
    ]
    schemes = []
    for number in range(1, n + 1):
        expression = rng.choice(shapes)()
        schemes.append(
            Scheme(
                id=f"S{number:05d}",
                name=f"监测方案{number}",
                expression=expression,
                category=rng.choice(CATEGORIES),
            )
        )
    return schemes
