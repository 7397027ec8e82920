"""python -m opinion_engine.soak --data-dir ../shared/data [--posts 200000] [--segment 20000]

Prints ONE JSON line: how a long-lived engine holds up over a long stream, as the platform's
worker keeps one engine for its whole life. `bench` times 1,953 posts on fresh engines; this
runs one engine, with 1,000 schemes, over a stream ten to a hundred times longer and reports
each segment's posts per CPU-second and the process's peak memory after it. A stage whose state
grows with everything it has seen shows here as falling throughput and rising memory.

The stream is made, deterministically, from real posts (SMP's training posts and the ncov
unlabelled raw posts): posts come every `--step` seconds; each source post is told four times
in a row (as it is, with a repost comment, and spliced with a neighbouring post both ways),
so that there are copies, near-copies and events. The source posts are walked in order; the
walk starts again, more than the clusterer's three-day window later, when it reaches the end,
and a new walk splices each post with other neighbours, so that it brings new texts.
"""

import argparse
import csv
import datetime as dt
import json
import sys
import time
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

# First of the project's imports: bench pins BLAS/OpenMP to one thread before numpy loads.
from opinion_engine.bench import at_least, region_rows, rss_mb
from opinion_engine.types import Post

START = dt.datetime(2020, 2, 1, tzinfo=dt.UTC)


def source_texts(data_dir: Path) -> list[str]:
    from opinion_engine.datasets import read_labelled

    texts = read_labelled(data_dir / "smp2020-ewect-virus" / "virus_train.csv", None).texts
    with open(data_dir / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv", encoding="utf-8") as f:
        texts += [row["text"] for row in csv.DictReader(f) if row.get("text")]
    return texts


def stream(texts: Sequence[str], count: int, step: float) -> Iterator[Post]:
    """`count` posts, one every `step` seconds, made from `texts` as the module says."""
    n = len(texts)
    for j in range(count):
        base, walk = (j // 4) % n, j // (4 * n)
        # Each walk splices with other neighbours, so a later walk tells new stories, not
        # copies of the first walk's posts.
        shift = 1 + j % 7 + 17 * walk
        text, other = texts[base], texts[(base + shift) % n]
        spliced = text[: len(text) // 2 + 1] + other[len(other) // 2 :]
        telling = j % 4
        if telling == 0:
            text = spliced if walk else text
        elif telling == 1:
            text = "转发，大家看看 //@用户" + str(j % 97) + ":" + (spliced if walk else text)
        elif telling == 2:
            text = spliced
        else:
            text = other[: len(other) // 2] + text[len(text) // 2 :]
        yield Post("soak", str(j), text, published_at=START + dt.timedelta(seconds=step * j))


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--posts", type=at_least(1), default=200_000)
    parser.add_argument("--segment", type=at_least(1), default=20_000)
    parser.add_argument("--step", type=float, default=5.0, help="seconds between posts")
    parser.add_argument("--schemes", type=at_least(0), default=1000)
    parser.add_argument("--region", default="1405")
    args = parser.parse_args(argv)
    if not args.step >= 0:  # also refuses nan
        parser.error(f"--step must be 0 or more seconds, not {args.step}")

    from opinion_engine.engine import Engine, settle
    from opinion_engine.errors import DatasetError
    from opinion_engine.schemes import generate_schemes

    try:
        texts = source_texts(args.data_dir)
    except (OSError, DatasetError) as error:
        parser.error(f"cannot read the source posts under {args.data_dir}: {error}")
    engine = Engine.build(
        schemes=generate_schemes(args.schemes, seed=2020), region_rows=region_rows(args.region)
    )
    settle()
    posts = stream(texts, args.posts, args.step)
    engine_rss = rss_mb()
    segments = []
    done = 0
    while done < args.posts:
        size = min(args.segment, args.posts - done)
        # Posts are made as the engine asks for them and dropped once analysed, as a worker's
        # batches are: the memory measured is the engine's, not a queue of posts.
        started = time.process_time()
        for _ in engine.analyse(islice(posts, size)):
            pass
        seconds = time.process_time() - started
        done += size
        segments.append(
            {"posts": done, "cpu_posts_per_s": round(size / seconds, 1), "rss_mb": round(rss_mb())}
        )
    first, last = segments[0], segments[-1]
    result = {
        "bench": "opinion.soak",
        "posts": args.posts,
        "source_posts": len(texts),
        "step_s": args.step,
        "hours": round(args.posts * args.step / 3600, 1),
        "schemes": args.schemes,
        "events": len(engine.events()),
        "first_segment_cpu_posts_per_s": first["cpu_posts_per_s"],
        "last_segment_cpu_posts_per_s": last["cpu_posts_per_s"],
        "last_over_first": round(last["cpu_posts_per_s"] / first["cpu_posts_per_s"], 2),
        "rss_mb_built": round(engine_rss),
        "peak_rss_mb": last["rss_mb"],
        "segments": segments,
    }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
