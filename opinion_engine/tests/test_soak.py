import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from opinion_engine.soak import START, main, stream

DATA = Path(__file__).parent / "data"
TEXTS = ["武汉封城了，大家在家注意安全", "今天去超市买了口罩和消毒液", "医生护士辛苦了，致敬"]


def test_each_source_post_is_told_four_times_one_step_apart():
    posts = list(stream(TEXTS, 8, step=5.0))

    assert posts[0].text == TEXTS[0]
    assert "//@用户1:" + TEXTS[0] in posts[1].text
    assert posts[2].text.startswith(TEXTS[0][: len(TEXTS[0]) // 2 + 1])
    assert posts[3].text.endswith(TEXTS[0][len(TEXTS[0]) // 2 :])
    assert posts[4].text == TEXTS[1]
    assert [p.published_at - START for p in posts[:2]] == [dt.timedelta(0), dt.timedelta(seconds=5)]
    assert len({p.external_id for p in posts}) == 8


def test_a_later_walk_tells_new_stories_not_copies_of_the_first():
    texts = [f"第{i:02d}条消息的前一半，第{i:02d}条消息的后一半" for i in range(40)]
    posts = [p.text for p in stream(texts, 2 * 4 * len(texts), step=1.0)]
    first_walk, second_walk = posts[: 4 * len(texts)], posts[4 * len(texts) :]

    assert not set(first_walk) & set(second_walk)
    assert len(set(second_walk)) == len(second_walk)


def test_the_soak_prints_one_line_with_every_segment(tmp_path, capsys):
    (tmp_path / "smp2020-ewect-virus").mkdir()
    (tmp_path / "ncov-weibo-sentiment").mkdir()
    shutil.copy(
        DATA / "smp2020_virus_train_head.csv", tmp_path / "smp2020-ewect-virus" / "virus_train.csv"
    )
    shutil.copy(
        DATA / "ncov_weibo_unlabeled_head.csv",
        tmp_path / "ncov-weibo-sentiment" / "unlabeled_raw_posts.csv",
    )

    main(["--data-dir", str(tmp_path), "--posts", "120", "--segment", "50", "--schemes", "10"])
    (line,) = capsys.readouterr().out.splitlines()
    result = json.loads(line)

    assert result["source_posts"] == 10
    assert [s["posts"] for s in result["segments"]] == [50, 100, 120]
    assert all(s["cpu_posts_per_s"] > 0 for s in result["segments"])
    # 120 posts of state: the engine cannot have grown by anything like a soak's 200 MB.
    assert result["peak_rss_mb"] - result["rss_mb_built"] < 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # Each of the first three crashed after building the engine (IndexError, ZeroDivision).
        (["--posts", "0"], "--posts: must be at least 1, not 0"),
        (["--posts", "-5"], "--posts: must be at least 1, not -5"),
        (["--segment", "0"], "--segment: must be at least 1, not 0"),
        (["--step", "-1"], "--step must be 0 or more seconds, not -1.0"),
        (["--step", "nan"], "--step must be 0 or more seconds, not nan"),
    ],
)
def test_arguments_that_make_no_stream_are_usage_errors(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", str(tmp_path), *args])

    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
