"""python -m opinion_engine.bench --data PATH [--schemes 1000] [--peers snownlp,jiagu]

Prints ONE JSON line: the whole pipeline's posts/s on one core with N monitoring schemes (median
of --repeat runs on fresh engines, each run analysing every post and then listing the events;
wall-clock, and per second of CPU time, which a machine shared with other work changes less),
the engine's three-class sentiment macro-F1 on the same posts when they carry labels, each
peer's sentiment posts/s and macro-F1 on the same posts in the same run, and the ratios.

The peers are timed in rounds between the engine's runs: round r times the engine on every post,
then each peer on every --repeat-th post from the r-th. A ratio is the median of the rounds'
ratios, so the engine and a peer are compared at the same moment of a shared machine, whose
speed can drop by a third for a few seconds (docs/model-card.md, "Twentieth round").

One core: BLAS/OpenMP threads are pinned to 1 before numpy loads, and everything runs in this
process. Peers are the Chinese sentiment libraries with bundled models people reach for:
SnowNLP and Jiagu. Both give a positive-probability; three classes are read from it with the
fixed cut-offs below (no tuning on the evaluated posts): < 0.4 negative, > 0.6 positive, else
neutral.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import lzma  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

from opinion_engine.types import Post  # noqa: E402

NEGATIVE_BELOW = 0.4
POSITIVE_ABOVE = 0.6
REPO = Path(__file__).resolve().parent.parent
DIVISIONS = REPO / "qunfang" / "org" / "data" / "divisions-2023.tsv.xz"


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def three_way(probability: float) -> str:
    if probability < NEGATIVE_BELOW:
        return "negative"
    if probability > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


def _snownlp() -> Callable[[str], str]:
    from snownlp import SnowNLP

    return lambda text: three_way(SnowNLP(text).sentiments) if text else "neutral"


def _jiagu() -> Callable[[str], str]:
    import jiagu

    def predict(text: str) -> str:
        if not text:
            return "neutral"
        label, probability = jiagu.sentiment(text)
        return three_way(probability if label == "positive" else 1 - probability)

    return predict


PEERS = {"snownlp": _snownlp, "jiagu": _jiagu}


def region_rows(prefix: str) -> list[tuple[str, str]]:
    with lzma.open(DIVISIONS, "rt", encoding="utf-8") as handle:
        return [
            tuple(line.rstrip("\n").split("\t", 1))
            for line in handle
            if line.startswith(prefix) or prefix.startswith(line.split("\t", 1)[0])
        ]


def load_labelled(path: Path) -> tuple[list[Post], list[str]]:
    """Posts and, where the file has sentiment or emotion labels, their three-way sentiment
    (else "").

    A file without such labels (raw posts, or CHECKED's fake/real) is timed all the same, with
    no F1 to report.
    """
    from opinion_engine.datasets import read_labelled
    from opinion_engine.errors import DatasetError

    try:
        labelled = read_labelled(path, task="sentiment")
        gold = list(labelled.labels)
    except DatasetError:
        labelled = None
    if labelled is None or not labelled.texts:
        # No label column, or labels of another task (CHECKED's fake/real): timed unlabelled.
        labelled = read_labelled(path, None)  # raises again if there is no text column either
        gold = [""] * len(labelled.texts)
    posts = [Post(source="bench", external_id=str(i), text=t) for i, t in enumerate(labelled.texts)]
    return posts, gold


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer no smaller than `minimum`, else a usage error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, not {value}")
        return value

    return parse


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--schemes", type=at_least(0), default=1000)
    parser.add_argument("--peers", default="snownlp,jiagu")
    parser.add_argument("--region", default="1405", help="region code prefix for the gazetteer")
    parser.add_argument(
        "--limit", type=at_least(0), default=0, help="use only the first N posts (0: all)"
    )
    # Five, not three: on a shared VM one run of ~2,000 posts (a third of a second) can lose
    # a third of its speed to a neighbour, and a median of three then moved by 30%.
    parser.add_argument("--repeat", type=at_least(1), default=5, help="measured runs of the engine")
    args = parser.parse_args(argv)
    peers = [name for name in args.peers.split(",") if name]
    unknown = [name for name in peers if name not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(PEERS)}")
    if not args.data.is_file():
        parser.error(f"no such file: {args.data}")

    from opinion_engine.engine import Engine, settle
    from opinion_engine.errors import DatasetError
    from opinion_engine.schemes import generate_schemes

    try:
        posts, gold = load_labelled(args.data)
    except DatasetError as error:
        parser.error(str(error))
    if not posts:
        parser.error(f"{args.data}: no readable posts")
    if args.limit:
        posts, gold = posts[: args.limit], gold[: args.limit]
    texts = [post.text for post in posts]
    before = rss_mb()
    started = time.perf_counter()
    schemes = generate_schemes(args.schemes, seed=2020)
    rows = region_rows(args.region)
    engine = Engine.build(schemes=schemes, region_rows=rows)
    load_seconds = time.perf_counter() - started
    # Warm-up on a copy, so that caches and lazy imports are not billed to the measured run.
    list(
        Engine.build(schemes=[], region_rows=[]).analyse(
            [Post("warm", str(i), t) for i, t in enumerate(texts[:200])]
        )
    )
    # A run of ~2,000 posts lasts under a second: repeat on fresh engines (each starts with
    # empty near-duplicate and event state) and report the median and every run.
    rates = []
    cpu_rates = []
    predicted = {name: [""] * len(texts) for name in peers}
    peer_timings: dict[str, list[tuple[int, float, float]]] = {name: [] for name in peers}
    predictors: dict[str, Callable[[str], str]] = {}
    for repeat in range(args.repeat):
        if repeat:
            engine = Engine.build(schemes=schemes, region_rows=rows)
        settle()  # as a worker does once it has built its engine (engine.settle)
        fresh = [Post("bench", p.external_id, p.text) for p in posts]
        started, cpu_started = time.perf_counter(), time.process_time()
        analysed = list(engine.analyse(fresh))
        events = engine.events()  # part of the work: the events are what a person reads
        rates.append(len(analysed) / (time.perf_counter() - started))
        cpu_rates.append(len(analysed) / max(time.process_time() - cpu_started, 1e-9))
        if not repeat:
            # The engine's memory, read before the peers' models load.
            memory = rss_mb(), rss_mb() - before
            predictors = {name: PEERS[name]() for name in peers}
            for predict in predictors.values():
                predict(texts[0])  # a lazy model load (Jiagu's) is not billed to its speed
        share = range(repeat, len(texts), args.repeat)
        for name, predict in predictors.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            for row in share:
                predicted[name][row] = predict(texts[row])
            peer_timings[name].append(
                (len(share), time.perf_counter() - started, time.process_time() - cpu_started)
            )
    engine_rate = statistics.median(rates)
    engine_cpu_rate = statistics.median(cpu_rates)
    labelled = [(g, p.sentiment) for g, p in zip(gold, analysed, strict=True) if g]
    result: dict = {
        "bench": "opinion.pipeline",
        "data": str(args.data),
        "n": len(posts),
        "schemes": args.schemes,
        "cores": 1,
        "posts_per_s": round(engine_rate, 1),
        "posts_per_s_runs": [round(rate, 1) for rate in rates],
        # Posts per second of CPU time: what one core does when the machine is not shared.
        "cpu_posts_per_s": round(engine_cpu_rate, 1),
        "cpu_posts_per_s_runs": [round(rate, 1) for rate in cpu_rates],
        "load_seconds": round(load_seconds, 2),
        "rss_mb": round(memory[0], 1),
        "rss_mb_engine": round(memory[1], 1),
        "matched_schemes": sum(1 for p in analysed if p.schemes),
        "local": sum(1 for p in analysed if p.regions),
        "duplicates": sum(1 for p in analysed if p.duplicate_of),
        "events": len(events),
        "sentiment_macro_f1": round(macro_f1(*zip(*labelled, strict=True)), 4)
        if labelled
        else None,
        "labelled": len(labelled),
        "peers": {},
    }
    for name in predictors:
        timings = peer_timings[name]
        peer_rate = len(texts) / sum(seconds for _, seconds, _ in timings)
        peer_cpu_rate = len(texts) / max(sum(cpu for _, _, cpu in timings), 1e-9)
        # Each round's engine rate over the peer's rate on its share of the posts.
        ratios, cpu_ratios = [], []
        for rate, cpu_rate, (count, seconds, cpu) in zip(rates, cpu_rates, timings, strict=True):
            if count:
                ratios.append(rate * seconds / count)
                cpu_ratios.append(cpu_rate * max(cpu, 1e-9) / count)
        peer_labelled = [(g, p) for g, p in zip(gold, predicted[name], strict=True) if g]
        peer_f1 = macro_f1(*zip(*peer_labelled, strict=True)) if peer_labelled else None
        result["peers"][name] = {
            "posts_per_s": round(peer_rate, 1),
            "sentiment_macro_f1": round(peer_f1, 4) if peer_f1 is not None else None,
            "engine_speed_ratio": round(statistics.median(ratios), 1),
            "engine_speed_ratio_runs": [round(ratio, 1) for ratio in ratios],
            "cpu_posts_per_s": round(peer_cpu_rate, 1),
            "engine_speed_ratio_cpu": round(statistics.median(cpu_ratios), 1),
            "engine_f1_minus_peer": (
                round(result["sentiment_macro_f1"] - peer_f1, 4)
                if peer_f1 is not None and result["sentiment_macro_f1"] is not None
                else None
            ),
        }
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
