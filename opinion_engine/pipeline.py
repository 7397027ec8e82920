"""The contract every stage keeps (spaCy's Pipe, scikit-learn's estimators, simplified).

A stage's __init__ only stores its configuration; `__call__(post)` does the work and returns the
same post; `pipe(posts, batch_size=…)` streams, and one bad post never stops the stream: it is
handed to `on_error` (default: record the error in post.meta["errors"]) and passed through.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from opinion_engine.types import Post

ErrorHandler = Callable[[str, Post, Exception], None]


def record_error(stage: str, post: Post, error: Exception) -> None:
    post.meta.setdefault("errors", []).append(f"{stage}: {type(error).__name__}: {error}")


class Stage:
    name = "stage"

    def __call__(self, post: Post) -> Post:  # pragma: no cover - the contract
        raise NotImplementedError

    def pipe(
        self,
        posts: Iterable[Post],
        *,
        batch_size: int = 256,
        on_error: ErrorHandler = record_error,
    ) -> Iterator[Post]:
        iterator = iter(posts)
        while batch := list(islice(iterator, batch_size)):
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
