"""The contract every stage keeps (spaCy's Pipe, scikit-learn's estimators, simplified).

A stage's __init__ only stores its configuration; `__call__(post)` does the work and returns the
same post; `pipe(posts, batch_size=…)` streams, and one bad post never stops the stream: it is
handed to `on_error` (default: record the error in post.meta["errors"]) and passed through.
"""

from collections.abc import Callable, Iterable, Iterator

from opinion_engine.types import Post

ErrorHandler = Callable[[str, Post, Exception], None]

# Posts per batch. Every batch pays fixed costs: the classifiers' numpy calls, and each stage
# warming its tables in the cache again after the others ran. On the bench file (CPU time) the
# whole pipeline took 95 µs a post in batches of 256, 88 in batches of 512 and 86 in batches of
# 1,024; but a long-lived engine's memory grew faster with larger batches (soak, 120,000 posts:
# 366 MB at 256, 386 at 512, 418 at 1,024), so 512.
BATCH_SIZE = 512
# ...and characters: a batch closes early once it holds this many characters a post on
# average, so that a batch of long articles stays small (the classifiers' feature arrays grow
# with a batch's characters, not with its posts). A full batch of posts at Weibo's classic
# 140-character limit fits; 512 news articles of 4,000 characters would not.
CHARS_PER_POST = 140


def record_error(stage: str, post: Post, error: Exception) -> None:
    post.meta.setdefault("errors", []).append(f"{stage}: {type(error).__name__}: {error}")


def batches(
    posts: Iterable[Post], size: int = BATCH_SIZE, chars: int | None = None
) -> Iterator[list[Post]]:
    """Consecutive lists of at most `size` posts, closed early once they hold `chars`
    characters of text (default `size` × CHARS_PER_POST; a single longer post makes a batch
    of its own)."""
    chars = size * CHARS_PER_POST if chars is None else chars
    batch: list[Post] = []
    held = 0
    for post in posts:
        batch.append(post)
        text = post.text
        held += len(text) if isinstance(text, str) else 0
        if len(batch) >= size or held >= chars:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


class Stage:
    name = "stage"

    def __call__(self, post: Post) -> Post:  # pragma: no cover - the contract
        raise NotImplementedError

    def pipe(
        self,
        posts: Iterable[Post],
        *,
        batch_size: int = BATCH_SIZE,
        on_error: ErrorHandler = record_error,
    ) -> Iterator[Post]:
        for batch in batches(posts, batch_size):
            yield from self.process_batch(batch, on_error=on_error)

    def process_batch(self, batch: list[Post], *, on_error: ErrorHandler) -> list[Post]:
        """Per-post by default; stages that vectorise (classifiers) override this."""
        out = []
        for post in batch:
            try:
                out.append(self(post))
            except Exception as error:  # one bad post must not end the stream
                on_error(self.name, post, error)
                out.append(post)
        return out
