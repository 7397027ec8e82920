"""Score the shipped models on a labelled CSV and print one JSON line.

    python -m opinion_engine.evaluate --task emotion|sentiment|rumour --data PATH [--models DIR]

PATH has a text column (`text` or `content`) and a `label` column in any layout of shared/data:
six emotions (SMP2020-EWECT, `neural` = neutral), -1/0/1 sentiment, or CHECKED's fake/real. For
`--task sentiment` a six-emotion file is mapped to three classes and its surprise rows are left
out ("excluded"). Rows that cannot be read are counted ("skipped"), never fatal; a file without
such columns at all is refused with a message naming the columns it has (exit status 2).

posts_per_s is the throughput of the classification stage alone (all three models, in the
engine's batches, one process) on posts that were normalised beforehand, as the engine runs it.
"""

import os

# One core, as the figure promises: pin BLAS/OpenMP threads before numpy loads (run as a script).
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from opinion_engine.classify import Classifiers  # noqa: E402
from opinion_engine.datasets import CLASSES, TASKS, read_labelled  # noqa: E402
from opinion_engine.errors import DatasetError  # noqa: E402
from opinion_engine.normalize import normalize_text  # noqa: E402
from opinion_engine.pipeline import batches  # noqa: E402
from opinion_engine.types import Post  # noqa: E402


def f1_per_class(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> dict:
    out = {}
    for name in classes:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == name and p == name)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != name and p == name)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == name and p != name)
        out[name] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return out


def evaluate(task: str, data: Path, *, models: Path | None = None) -> dict:
    """RETURNS (dict): the figures the CLI prints, for one task on one labelled file."""
    labelled = read_labelled(data, task)
    classifiers = Classifiers.load(models)
    posts = []
    for number, text in enumerate(labelled.texts):
        post = Post(source="evaluate", external_id=str(number), text=text)
        post.normalized, post.features = normalize_text(text)
        posts.append(post)
    started = time.perf_counter()
    for batch in batches(posts):
        classifiers.process_batch(batch)
    elapsed = time.perf_counter() - started
    if task == "emotion":
        predicted = [post.emotion for post in posts]
    elif task == "sentiment":
        predicted = [post.sentiment for post in posts]
    else:
        predicted = ["fake" if post.rumour_score >= 0.5 else "real" for post in posts]
    # Only classes that occur in the file or the predictions enter macro-F1, as scikit-learn does.
    classes = [
        name for name in CLASSES[task] if name in set(labelled.labels) or name in set(predicted)
    ]
    per_class = f1_per_class(labelled.labels, predicted, classes)
    n = len(posts)
    result = {
        "task": task,
        "data": str(data),
        "n": n,
        "macro_f1": round(float(np.mean(list(per_class.values()))), 4) if n else None,
        "accuracy": (
            round(sum(p == t for p, t in zip(predicted, labelled.labels, strict=True)) / n, 4)
            if n
            else None
        ),
        "per_class_f1": {name: round(value, 4) for name, value in per_class.items()},
        "posts_per_s": round(n / elapsed) if n and elapsed > 0 else None,
        "skipped": labelled.skipped,
    }
    if task == "sentiment":
        result["excluded"] = labelled.excluded
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.evaluate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--models", type=Path, default=None, help="artefact directory")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.data.is_file():
        print(f"no such file: {args.data}", file=sys.stderr)
        return 2
    try:
        result = evaluate(args.task, args.data, models=args.models)
    except DatasetError as error:
        print(error, file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
