"""A word-level convolutional network beside the linear models: what pretrained vectors add.

The linear models (classify.py) see character n-grams: a word the training posts never used
weighs nothing. This network reads a post as words and starts from word vectors trained on the
Chinese Wikipedia (wordvec.py), so 惶恐 gets some of what 恐慌 taught it, and its filters read
two- and three-word phrases (不 开心) that bag-of-n-gram weights cannot compose. Its class
log-probabilities are added to the linear model's scores with a weight chosen by
cross-validation, before the calibration (train.py); alone it scores below the linear model,
together they score above either.

- **Words.** A post's normalised text is cut by forward maximum matching against the word list
  (words of one to four characters); a character outside the list becomes one of OOV_BUCKETS
  learned vectors by its code point.
- **Network.** Word vectors (100 dims; fine-tuned, or kept as they are: `fit_network`'s
  `freeze`) → convolutions of widths 1, 2 and 3, FILTERS each → ReLU and max over the post → a
  linear layer. Trained with PyTorch (CPU, one thread, seeded; train.py only), run here with
  numpy alone.
- **Speed.** A convolution is linear in the word vectors, so at load every word's product with
  every filter tap is computed once (`Projection`): at inference a post costs a gather of one
  integer row per word and a few additions, no matrix product.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from opinion_engine.wordvec import MAX_WORD, read_vectors, read_words

WIDTHS = (1, 2, 3)
FILTERS = 32
PAD_VALUE = -700_000_000  # three of them still fit int32; any real window is ≥ -3 × 32,767
GROUP = 16  # posts scored together by the numpy network (Projection.log_probabilities)
OOV_BUCKETS = 256
MAX_WORDS = 200  # words read from one post: a longer one is a long article, its start decides


# The n-gram keys of the batch segmenter: a 64-bit polynomial over code points (collisions
# between two listed words of one length are checked for at build), bucketed for lookups.
_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_BUCKET_BITS = 18
_SHIFT = np.uint64(64 - _BUCKET_BITS)
_WHITESPACE = np.array([chr(c).isspace() for c in range(0x3001)])  # isspace by code point


def _bucket(keys: np.ndarray) -> np.ndarray:
    return ((keys * _MIX) >> _SHIFT).astype(np.int64)


def _word_key(word: str) -> int:
    key = 0
    for char in word:
        key = (key * int(_PRIME) + ord(char)) % 2**64
    return key


class Segmenter:
    """Forward maximum matching: at each position the longest listed word, else one OOV id.

    Calling it on a text is the definition, a character at a time; `batch(texts)` computes the
    same for many posts at once with numpy (about three times faster), and is what scoring and
    training use.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(words)
        self.oov = len(words)
        # Per word length: the listed words' keys sorted by bucket, and for every bucket the
        # index of its first key (-1: none). A lookup is then one or two gathers, where a binary
        # search of the sorted keys cost a third of the segmentation.
        self.keys_: dict[int, np.ndarray] = {}
        self.key_ids_: dict[int, np.ndarray] = {}
        self.first_: dict[int, np.ndarray] = {}
        for size in range(1, MAX_WORD + 1):
            ids = np.array([i for i, word in enumerate(words) if len(word) == size], np.int64)
            keys = np.array([_word_key(words[i]) for i in ids], dtype=np.uint64)
            if len(np.unique(keys)) < len(keys):
                raise ValueError(f"two listed words of {size} characters share a key")
            buckets = _bucket(keys)
            order = np.lexsort((keys, buckets))
            keys, ids, buckets = keys[order], ids[order], buckets[order]
            first = np.full(1 << _BUCKET_BITS, -1, dtype=np.int32)
            used, starts = np.unique(buckets, return_index=True)
            first[used] = starts
            self.keys_[size], self.key_ids_[size], self.first_[size] = keys, ids, first

    @cached_property
    def ids(self) -> dict[str, int]:
        return {word: number for number, word in enumerate(self.words)}

    @cached_property
    def longest(self) -> dict[str, int]:
        # The longest listed word each character starts: most characters start none longer
        # than themselves, and then no longer slice is looked up at all.
        out: dict[str, int] = {}
        for word in self.words:
            if len(word) > out.get(word[0], 1):
                out[word[0]] = len(word)
        return out

    def __call__(self, text: str) -> list[int]:
        text = text.replace("\x00", " ")  # batch() separates texts with NUL, so reads it as " "
        out: list[int] = []
        get = self.ids.get
        longest = self.longest.get
        oov = self.oov
        position, end = 0, len(text)
        while position < end and len(out) < MAX_WORDS:
            char = text[position]
            size = longest(char, 1)
            while size > 1:
                found = get(text[position : position + size])
                if found is not None:
                    out.append(found)
                    position += size
                    break
                size -= 1
            else:
                if not char.isspace():
                    found = get(char)
                    out.append(oov + ord(char) % OOV_BUCKETS if found is None else found)
                position += 1
        return out

    def batch(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(word ids of all posts one after another, words per post): `self(text)` for each.

        Every position gets the longest listed word that starts there (its n-gram keys looked
        up through the table of each bucket's first key); the words of a post are the
        positions reachable from its start by jumping a word at a time, found by pointer
        doubling: eight passes over the batch instead of a Python step per word.
        """
        n = len(texts)
        joined = "\x00".join(text.replace("\x00", " ") for text in texts) + "\x00"
        codes = np.frombuffer(joined.encode("utf-32-le", "replace"), dtype=np.uint32)
        codes = codes.astype(np.uint64)
        total = len(codes)
        separator = codes == 0
        before = np.concatenate(([0], np.cumsum(separator)))  # texts ended before position i
        step = np.ones(total, dtype=np.int64)
        word = np.full(total, -1, dtype=np.int64)
        window = codes
        for size in range(1, MAX_WORD + 1):
            if size > 1:
                window = window[:-1] * _PRIME + codes[size - 1 :]
            count = len(window)
            keys = self.keys_[size]
            if not count or not len(keys):
                continue
            inside = before[size : size + count] == before[:count]
            at = self.first_[size][_bucket(window)]
            candidates = np.flatnonzero(inside & (at >= 0))
            at = at[candidates].astype(np.int64)
            wanted = window[candidates]
            # Walk each candidate's bucket: its keys lie together, usually one of them.
            found = np.full(len(candidates), -1, dtype=np.int64)
            open_ = np.arange(len(candidates))
            buckets = _bucket(wanted)
            while len(open_):
                hit = keys[at[open_]] == wanted[open_]
                found[open_[hit]] = at[open_[hit]]
                open_ = open_[~hit]
                at[open_] += 1
                inside_bucket = at[open_] < len(keys)
                open_ = open_[inside_bucket]
                open_ = open_[_bucket(keys[at[open_]]) == buckets[open_]]
            matched = found >= 0
            positions = candidates[matched]
            # Sizes run upwards, so a longer word found at a position overwrites a shorter one.
            word[positions] = self.key_ids_[size][found[matched]]
            step[positions] = size
        word = np.where(word < 0, self.oov + (codes % OOV_BUCKETS).astype(np.int64), word)
        # Walk: a separator jumps to itself, so the walk of a text stops at its end.
        jump = np.arange(total) + step
        jump[separator] = np.flatnonzero(separator)
        jump = np.minimum(jump, total - 1)
        reached = np.zeros(total, dtype=bool)
        starts = np.concatenate(([0], np.flatnonzero(separator)[:-1] + 1))
        reached[starts] = True
        # After k passes every position within 2^k - 1 words of its text's start is reached;
        # words past MAX_WORDS are dropped anyway, so no text needs more passes than that.
        longest_text = int(np.diff(np.concatenate(([-1], np.flatnonzero(separator)))).max())
        for _ in range(max(1, min(longest_text, MAX_WORDS).bit_length())):
            reached[jump[reached]] = True
            jump = jump[jump]
        keep = reached & ~separator
        low = np.flatnonzero(keep & (codes < len(_WHITESPACE)))
        keep[low[_WHITESPACE[codes[low].astype(np.int64)]]] = False
        positions = np.flatnonzero(keep)
        owner = before[positions]
        lengths = np.bincount(owner, minlength=n)
        if lengths.max(initial=0) > MAX_WORDS:
            first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            rank = np.arange(len(positions)) - first[owner]
            positions = positions[rank < MAX_WORDS]
            lengths = np.minimum(lengths, MAX_WORDS)
        return word[positions], lengths


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    return Segmenter(read_words())


@dataclass(frozen=True)
class Network:
    """A trained network as plain arrays (an artefact holds them as its network_* arrays)."""

    embeddings: np.ndarray  # (vocabulary + OOV_BUCKETS, dims) float32
    taps: np.ndarray  # (sum(WIDTHS), dims, FILTERS): width 1's tap, width 2's two, width 3's three
    conv_bias: np.ndarray  # (len(WIDTHS) * FILTERS,)
    out: np.ndarray  # (len(WIDTHS) * FILTERS, K)
    out_bias: np.ndarray  # (K,)


class Projection:
    """A network ready to score: every word's product with every filter tap, as integers.

    Column `tap * FILTERS + f` of `table_` holds each word's product with tap `tap` of filter
    `f`, in units of the filter's scale `scale_[f]` (a step of 1/32,767 of the largest product
    any of the filter's taps gives): one scale for all taps of a filter, so a window's sum and
    the max over a post are taken on the raw integers and scaled once per post afterwards.
    """

    def __init__(self, network: Network) -> None:
        taps = network.taps
        filters = taps.shape[2]
        flat = np.concatenate(list(taps), axis=1)  # (dims, sum(WIDTHS) * filters)
        embeddings = network.embeddings
        # Worked out in slices of rows, twice (the scales need every row first), so loading
        # never holds the whole float32 product at once.
        chunks = range(0, len(embeddings), 8192)
        largest = np.zeros(flat.shape[1], dtype=np.float32)
        for first in chunks:
            product = embeddings[first : first + 8192] @ flat
            largest = np.maximum(largest, np.abs(product).max(axis=0))
        per_filter = np.maximum(largest.reshape(-1, filters).max(axis=0), 1e-9) / 32767.0
        self.scale_ = per_filter.astype(np.float32)  # (filters,)
        columns = np.tile(self.scale_, len(flat.T) // filters)
        # int32, though the products fit 16 bits: the windows are summed and their max taken
        # on the gathered rows as they are, with no conversion pass, and the padding row (one
        # more than the words) can hold PAD_VALUE, far below any window of real words.
        self.table_ = np.full((len(embeddings) + 1, flat.shape[1]), PAD_VALUE, dtype=np.int32)
        for first in chunks:
            product = embeddings[first : first + 8192] @ flat
            self.table_[first : first + len(product)] = np.round(product / columns)
        self.filters_ = filters
        self.conv_bias_ = network.conv_bias.astype(np.float32)
        self.out_ = network.out.astype(np.float32)
        self.out_bias_ = network.out_bias.astype(np.float32)

    def log_probabilities(self, flat: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """(n, K) class log-probabilities of n segmented posts: their word ids one after
        another (`flat`) and how many each has (`lengths`), as Segmenter.batch gives them."""
        n = len(lengths)
        f = self.filters_
        firsts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64).tolist()
        pooled = np.empty((n, len(WIDTHS) * f), dtype=np.float32)
        # Posts of similar length are scored together, GROUP at a time, word position by word
        # position: an array of (position, post, column) whose max over positions runs over
        # contiguous memory. (One flat run of all posts with a segmented max was 2.5 times
        # slower: numpy's reduceat works row by row.) Positions past a post's end hold the
        # padding row: a window that reaches them is never the max. A post too short for any
        # window of a width reads 0 for that width's filters, as training's masked max (-inf)
        # gives after the ReLU.
        order = np.argsort(lengths, kind="stable")
        pad = len(self.table_) - 1
        for first in range(0, n, GROUP):
            rows = order[first : first + GROUP]
            counts = lengths[rows]
            positions = max(int(counts[-1]), 1) + max(WIDTHS) - 1
            ids = np.full((positions, len(rows)), pad, dtype=np.int64)
            for column, (row, count) in enumerate(zip(rows.tolist(), counts.tolist(), strict=True)):
                ids[:count, column] = flat[firsts[row] : firsts[row] + count]
            values = np.take(self.table_, ids.ravel(), axis=0).reshape(positions, len(rows), -1)
            column = 0
            for block, width in enumerate(WIDTHS):
                count = positions - width + 1
                windows = values[:count, :, column : column + f]
                for offset in range(1, width):
                    shift = column + offset * f
                    # The first addition makes the window array, the next add into it.
                    following = values[offset : offset + count, :, shift : shift + f]
                    windows = (
                        windows + following
                        if offset == 1
                        else np.add(windows, following, out=windows)
                    )
                column += width * f
                pooled[rows, block * f : (block + 1) * f] = windows.max(axis=0)
        pooled *= np.tile(self.scale_, len(WIDTHS))
        pooled = np.maximum(pooled + self.conv_bias_, 0.0)
        for block, width in enumerate(WIDTHS):
            pooled[lengths < width, block * f : (block + 1) * f] = 0.0
        logits = pooled @ self.out_ + self.out_bias_
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def flatten(tokens: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of word ids as Segmenter.batch gives them: (all ids, ids per post)."""
    lengths = np.fromiter((len(ids) for ids in tokens), dtype=np.int64, count=len(tokens))
    flat = np.fromiter((i for ids in tokens for i in ids), dtype=np.int64, count=int(lengths.sum()))
    return flat, lengths


def segment_all(texts: Sequence[str], segmenter: "Segmenter | None" = None) -> list[list[int]]:
    """Each normalised text's word ids, as lists (for training)."""
    segmenter = segmenter or default_segmenter()
    out: list[list[int]] = []
    for first in range(0, len(texts), 256):
        flat, lengths = segmenter.batch(texts[first : first + 256])
        out.extend(part.tolist() for part in np.split(flat, np.cumsum(lengths)[:-1]))
    return out


def fit_network(
    tokens: Sequence[list[int]],
    y: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    seed: int,
    epochs: int,
    freeze: bool = False,
) -> Network:
    """Train a network on segmented posts (PyTorch, CPU, one thread, seeded: the same data and
    seed give the same weights). Class weights are balanced, as the linear models' are, and
    each row's loss is scaled by its weight.

    freeze: the word vectors stay as wordvec.npz has them (and the out-of-list buckets as
        drawn), so a word no training post used keeps its place among the words that did;
        only the filters and the output layer learn.
    """
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    words, vectors = read_words(), read_vectors()
    dims = vectors.shape[1]
    size = len(words) + OOV_BUCKETS
    initial = np.zeros((size + 1, dims), dtype=np.float32)  # the last row pads a batch
    initial[: len(words)] = vectors
    initial[len(words) : size] = rng.normal(0.0, 0.1, (OOV_BUCKETS, dims))

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embeddings = nn.Embedding.from_pretrained(
                torch.from_numpy(initial), freeze=freeze, sparse=True, padding_idx=size
            )
            self.convs = nn.ModuleList(nn.Conv1d(dims, FILTERS, width) for width in WIDTHS)
            self.dropout = nn.Dropout(0.5)
            self.out = nn.Linear(len(WIDTHS) * FILTERS, k)

        def forward(self, ids, lengths):
            x = self.embeddings(ids).transpose(1, 2)
            pooled = []
            for width, conv in zip(WIDTHS, self.convs, strict=True):
                z = conv(x)  # (batch, FILTERS, length - width + 1), bias included
                starts = torch.arange(z.shape[2])
                invalid = starts[None, :] > (lengths[:, None] - width)
                z = z.masked_fill(invalid[:, None, :], float("-inf"))
                pooled.append(torch.relu(z.max(dim=2).values))
            return self.out(self.dropout(torch.cat(pooled, dim=1)))

    def batch(rows: np.ndarray):
        lengths = np.array([len(tokens[row]) for row in rows])
        ids = np.full((len(rows), max(int(lengths.max()), max(WIDTHS))), size, dtype=np.int64)
        for position, row in enumerate(rows):
            ids[position, : lengths[position]] = tokens[row]
        return torch.from_numpy(ids), torch.from_numpy(lengths)

    model = Model()
    dense = [p for name, p in model.named_parameters() if not name.startswith("embeddings")]
    optimisers = [torch.optim.Adam(dense, lr=1e-3)]
    if not freeze:
        optimisers.append(torch.optim.SparseAdam(list(model.embeddings.parameters()), lr=1e-3))
    counts = np.bincount(y, minlength=k).astype(np.float64)
    balance = np.where(counts > 0, len(y) / (k * np.maximum(counts, 1)), 0.0)
    row_weights = torch.from_numpy((balance[y] * weights).astype(np.float32))
    targets = torch.from_numpy(y.astype(np.int64))
    loss_of = nn.CrossEntropyLoss(reduction="none")
    for _ in range(epochs):
        model.train()
        order = rng.permutation(len(y))
        for first in range(0, len(order), 50):
            rows = order[first : first + 50]
            ids, lengths = batch(rows)
            loss = (loss_of(model(ids, lengths), targets[rows]) * row_weights[rows]).mean()
            for optimiser in optimisers:
                optimiser.zero_grad()
            loss.backward()
            for optimiser in optimisers:
                optimiser.step()
    with torch.no_grad():
        taps = []
        for conv in model.convs:
            weight = conv.weight.numpy()  # (FILTERS, dims, width)
            taps.extend(weight[:, :, offset].T for offset in range(weight.shape[2]))
        return Network(
            embeddings=model.embeddings.weight.numpy()[:size].copy(),
            taps=np.stack(taps).astype(np.float32),
            conv_bias=np.concatenate([conv.bias.numpy() for conv in model.convs]),
            out=model.out.weight.numpy().T.copy(),
            out_bias=model.out.bias.numpy().copy(),
        )


def pack(network: Network) -> dict[str, np.ndarray]:
    """A network as the arrays an artefact stores: the word vectors that training moved (int8,
    one scale per row; the others are read from wordvec.npz) and the layers as float32."""
    base = read_vectors()
    embeddings = network.embeddings
    moved = np.flatnonzero(np.any(embeddings[: len(base)] != base, axis=1))
    rows = np.concatenate([moved, np.arange(len(base), len(embeddings))])
    values = embeddings[rows]
    scales = np.maximum(np.abs(values).max(axis=1), 1e-9) / 127.0
    return {
        "network_rows": rows.astype(np.int32),
        "network_vectors": np.round(values / scales[:, None]).astype(np.int8),
        "network_scales": scales.astype(np.float32),
        "network_taps": network.taps.astype(np.float32),
        "network_conv_bias": network.conv_bias.astype(np.float32),
        "network_out": network.out.astype(np.float32),
        "network_out_bias": network.out_bias.astype(np.float32),
    }


def unpack(arrays) -> Network:
    """The network of `pack`'s arrays (any mapping of them, e.g. an open .npz)."""
    base = read_vectors()
    rows = arrays["network_rows"].astype(np.int64)
    embeddings = np.zeros((len(base) + OOV_BUCKETS, base.shape[1]), dtype=np.float32)
    embeddings[: len(base)] = base
    embeddings[rows] = arrays["network_vectors"].astype(np.float32) * arrays["network_scales"][
        :, None
    ].astype(np.float32)
    return Network(
        embeddings=embeddings,
        taps=arrays["network_taps"].astype(np.float32),
        conv_bias=arrays["network_conv_bias"].astype(np.float32),
        out=arrays["network_out"].astype(np.float32),
        out_bias=arrays["network_out_bias"].astype(np.float32),
    )


def shipped(network: Network) -> Network:
    """The network as it will be read back from its artefact (moved vectors rounded to int8):
    train.py calibrates on this, so the calibration fits what ships."""
    return unpack(pack(network))
