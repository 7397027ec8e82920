import pytest
from hypothesis import given

from opinion_engine.normalize import Normalizer, normalize_text
from opinion_engine.tests.hostile import PROPERTIES, texts
from opinion_engine.types import Post


def test_it_simplifies_and_half_widths():
    text, _features = normalize_text("武漢疫情：ＡＢＣ１２３！")
    assert text == "武汉疫情:ABC123!"


def test_weibo_furniture_becomes_features_not_text():
    text, features = normalize_text(
        "#武漢加油#轉發微博 //@小明:太感人了[淚][心] https://t.cn/A6abc 看看 @人民日報 👍"
    )
    assert text == "武汉加油 转发微博 太感人了 看看"
    assert features == {
        "urls": ["https://t.cn/A6abc"],
        "reposts": ["小明"],
        "mentions": ["人民日报"],
        "hashtags": ["武汉加油"],
        "emoticons": ["泪", "心"],
        "emoji": ["👍"],
    }


@pytest.mark.parametrize("text", ["", "   ", "??", "[心]"])
def test_empty_and_furniture_only_posts_normalise_to_empty(text):
    assert normalize_text(text)[0] == ""


def test_the_stage_fills_the_post():
    post = Normalizer()(Post(source="t", external_id="1", text="口罩買不到了[怒]"))
    assert post.normalized == "口罩买不到了"
    assert post.features == {"emoticons": ["怒"]}


def test_one_bad_post_does_not_stop_the_stream():
    class Picky(Normalizer):
        def __call__(self, post: Post) -> Post:
            if post.external_id == "2":
                raise ValueError("bad post")
            return super().__call__(post)

    posts = [Post("t", "1", "好"), Post("t", "2", "x"), Post("t", "3", "坏")]
    out = list(Picky().pipe(posts, batch_size=2))
    assert [p.normalized for p in out] == ["好", "", "坏"]
    assert out[1].meta["errors"] == ["normalize: ValueError: bad post"]


@pytest.mark.parametrize(
    "text",
    [
        "Ｗｕｈａｎ，加油！",
        "全角空格\u3000后面①号",
        "ﬁ１２３：",
        "Ａ\u0301 和 ｶﾀｶﾅ？",
        "普通文本，没有别的",
    ],
)
def test_half_width_is_nfkc_of_any_text_with_full_width_ascii(text):
    import unicodedata

    from opinion_engine.normalize import to_halfwidth

    assert to_halfwidth(text) == unicodedata.normalize("NFKC", text)


def test_a_post_that_normalises_to_nothing_gives_fresh_features_each_time():
    _, first = normalize_text("[心][心] 👍")
    first["emoticons"].append("changed")
    again, second = normalize_text("[心][心] 👍")
    assert again == ""
    assert second == {"emoticons": ["心", "心"], "emoji": ["👍"]}


@PROPERTIES
@given(texts)
def test_any_text_normalises_to_clean_single_spaced_text(text):
    clean, features = normalize_text(text)

    assert clean == clean.strip()
    assert "  " not in clean
    assert not any(char.isspace() and char != " " for char in clean)
    assert all(isinstance(value, str) for values in features.values() for value in values)
    clean.encode("utf-8")  # every later stage and the database can store it
