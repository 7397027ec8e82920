"""replay_posts streams a dataset at a rate; poll_feeds prints one JSON line per source."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from qunfang.opinion.models import Post


def test_replay_streams_a_file_at_the_rate_asked(source, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(
        "weibo_id,text\n1,泽州县今天好\n2,南村镇卡口\n3,\n4,高平疫情\n5,晋城加油\n",
        encoding="utf-8",
    )
    out = StringIO()
    before = timezone.now()
    call_command("replay_posts", str(path), "--rate", "8", "--source", source.name, stdout=out)
    report = json.loads(out.getvalue())
    assert (report["replayed"], report["accepted"], report["malformed"]) == (4, 4, 1)
    assert report["seconds"] >= 0.3  # 4 posts at 8 a second take about half a second
    assert all(p.published_at >= before for p in Post.objects.all())


def test_replay_refuses_bad_arguments(source, tmp_path):
    with pytest.raises(CommandError, match="不存在"):
        call_command("replay_posts", str(tmp_path / "none.csv"), "--source", source.name)
    path = tmp_path / "p.csv"
    path.write_text("weibo_id,text\n1,好\n", encoding="utf-8")
    for name in ("没有这个源", "²", "9" * 5000):  # "²" and 5,000 digits had crashed int()
        with pytest.raises(CommandError, match="找不到信息源"):
            call_command("replay_posts", str(path), "--source", name)
    with pytest.raises(CommandError, match="rate"):
        call_command("replay_posts", str(path), "--source", source.name, "--rate", "0")
    assert not Post.objects.exists()


def test_poll_feeds_with_nothing_to_poll_prints_nothing(source):
    out = StringIO()
    call_command("poll_feeds", stdout=out)
    assert out.getvalue() == ""
