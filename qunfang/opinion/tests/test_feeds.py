"""RSS/Atom polling over real HTTP from a local server: new entries in, HTML stripped, a broken
feed recorded in the source's health instead of raising."""

import http.server
import threading
from functools import partial

import pytest

from qunfang.opinion.feeds import poll_source
from qunfang.opinion.models import Post, SourceRejection

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>泽州新闻</title>
<item><guid>tag:news.example.cn,2020:n1</guid><title>泽州县发布第5号通告</title>
<description>&lt;p&gt;全县&lt;b&gt;公共场所&lt;/b&gt;暂停营业&lt;/p&gt;</description>
<link>https://news.example.cn/1</link><pubDate>Mon, 03 Feb 2020 10:00:00 +0800</pubDate></item>
<item><guid>tag:news.example.cn,2020:n2</guid><title>南村镇卡口</title><link>https://news.example.cn/2</link></item>
</channel></rss>"""


@pytest.fixture
def server(tmp_path):
    (tmp_path / "feed.xml").write_text(RSS, encoding="utf-8")
    (tmp_path / "broken.xml").write_text("这不是订阅源", encoding="utf-8")
    # A character reference to half a UTF-16 pair: feedparser's loose parser raised on it.
    (tmp_path / "surrogate.xml").write_text(RSS.replace("第5号", "&#55296;"), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_feed_is_polled_and_polled_again_without_duplicates(source, server):
    source.feed_url = f"{server}/feed.xml"
    source.save()
    first = poll_source(source)
    assert (first.entries, first.accepted, first.error) == (2, 2, "")
    post = Post.objects.get(external_id="tag:news.example.cn,2020:n1")
    assert post.text == "泽州县发布第5号通告。全县公共场所暂停营业"
    assert post.url == "https://news.example.cn/1"
    assert post.published_at.isoformat() == "2020-02-03T02:00:00+00:00"
    second = poll_source(source)
    assert (second.accepted, second.duplicates) == (0, 2)


@pytest.mark.parametrize(
    ("name", "error"),
    [("missing.xml", "订阅源返回 HTTP 404"), ("broken.xml", "无法读取订阅源：")],
)
def test_a_broken_feed_is_recorded_not_raised(source, server, name, error):
    source.feed_url = f"{server}/{name}"
    source.save()
    result = poll_source(source)
    assert result.error.startswith(error), result.error
    source.refresh_from_db()
    assert source.rejected_batches == 1 and source.last_polled_at is not None
    assert SourceRejection.objects.get(source=source).status == 502
    assert not Post.objects.exists()


def test_a_feed_feedparser_cannot_parse_is_recorded_and_the_next_is_polled(source, server):
    source.feed_url = f"{server}/surrogate.xml"
    source.save()
    result = poll_source(source)
    assert result.error.startswith("无法读取订阅源")
    assert not Post.objects.exists()
    source.feed_url = f"{server}/feed.xml"
    source.save()
    assert poll_source(source).accepted == 2
