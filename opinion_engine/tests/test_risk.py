import pytest

from opinion_engine.normalize import Normalizer
from opinion_engine.risk import RiskScorer, find_words, level_for
from opinion_engine.types import Debunk, Post

DEBUNKS = {"shuanghuanglian": Debunk(id="shuanghuanglian", claim="双黄连可预防新冠")}


def score(text: str, *, scorer: RiskScorer | None = None, **fields) -> Post:
    post = Post(source="weibo", external_id="1", text=text, **fields)
    Normalizer()(post)
    (scorer or RiskScorer(debunks=DEBUNKS))(post)
    return post


def reason_texts(post: Post, category: str) -> list[str]:
    return [r.text for r in post.risk.reasons if r.category == category]


def test_a_calm_post_scores_low_without_reasons():
    post = score("今天在家做了红烧肉，一家人其乐融融。")

    assert (post.risk.score, post.risk.level) == (0.0, "low")
    assert post.risk.categories == []
    assert post.risk.reasons == []
    assert post.epidemic is False


def test_a_call_to_gather_with_time_and_place_is_high():
    post = score("明天上午9点大家到区政府门口集合，拉横幅讨说法，转发扩散！")

    assert post.risk.level == "high"
    assert post.risk.categories == ["gathering"]
    (reason,) = reason_texts(post, "gathering")
    assert reason.startswith("号召聚集：")
    for word in ("“集合”", "“拉横幅”", "“区政府门口”", "“明天”"):
        assert word in reason


@pytest.mark.parametrize(
    ("_case", "call", "advice"),
    [
        ("不要", "明天上午大家到区政府门口聚集", "明天上午大家不要到区政府门口聚集"),
        ("别", "今晚大家去广场集合", "今晚大家别去广场集合"),
        ("严禁", "周六大家上街游行", "周六严禁大家上街游行"),
        ("禁止", "明天大家到市政府门口拉横幅", "明天禁止大家到市政府门口拉横幅"),
        ("切勿", "业主们明天到小区门口聚集", "业主们明天切勿到小区门口聚集"),
        ("不", "大家明天都来广场集合", "大家明天都不来广场集合"),
        ("descriptive compound", "大家明天到广场聚集", "大家明天到广场附近的聚集性疫情点做核酸"),
        (
            "authorities acting on it",
            "明天上午大家在广场聚集打牌",
            "明天上午大家在广场聚集打牌，4人被拘留",
        ),
    ],
)
def test_advice_against_gathering_is_not_a_call_to_gather(_case, call, advice):
    called, advised = score(call), score(advice)

    assert "gathering" in called.risk.categories
    assert called.risk.level in {"medium", "high"}
    assert "gathering" not in advised.risk.categories
    assert advised.risk.level == "low"


@pytest.mark.parametrize(
    ("_case", "text", "expected"),
    [
        ("negated", "不要聚集", []),
        ("not negated", "要聚集", ["聚集"]),
        ("short negation touching", "不聚集", []),
        ("short negation one verb away", "不去集合", []),
        ("negation in another clause", "不要怕，明天聚集", ["聚集"]),
        ("特别 is not 别", "特别无能", ["无能"]),
    ],
)
def test_find_words_leaves_out_negated_words(_case, text, expected):
    assert [h.word for h in find_words(text, ("聚集", "集合", "无能"))] == expected


def test_a_mention_of_a_protest_is_not_a_call():
    post = score("新闻里说国外有人上街游行。")

    assert reason_texts(post, "gathering") == ["提及聚集行为：“上街”“游行”"]
    assert post.risk.level == "low"


def test_inciting_words_are_quoted():
    post = score("大家都站出来，忍无可忍，讨回公道！")

    assert post.risk.categories == ["inciting"]
    assert reason_texts(post, "inciting") == ["煽动性表述：“都站出来”“忍无可忍”“讨回公道”"]
    assert post.risk.level == "high"


def test_fighting_the_disease_is_not_inciting():
    post = score("危重病人拔管后说的第一句话：打倒病魔！")

    assert "inciting" not in post.risk.categories


@pytest.mark.parametrize(
    ("_case", "text", "quoted"),
    [
        ("attack word alone", "这帮狗官只会欺上瞒下。", "“狗官”"),
        ("target then attack", "市政府一直在瞒报疫情。", "“政府…瞒报”"),
        ("attack then target", "特别无能的政府，出了事就甩锅。", "“政府…无能”"),
    ],
)
def test_attacks_on_the_government_are_found(_case, text, quoted):
    post = score(text)

    assert "anti_government" in post.risk.categories
    (reason,) = reason_texts(post, "anti_government")
    assert reason.startswith("攻击党委政府：")
    assert quoted in reason


@pytest.mark.parametrize(
    "text",
    [
        "感谢政府，感谢社区工作人员的辛苦付出！",
        "政府没有瞒报，数据每天公布。",
        "环卫工人清运垃圾，区政府表示感谢。",
    ],
)
def test_praise_and_denials_are_not_attacks(text):
    assert "anti_government" not in score(text).risk.categories


def test_a_post_linked_to_a_debunk_quotes_the_claim_and_the_similarity():
    post = score("双黄连能预防新冠，赶紧买！", debunk_id="shuanghuanglian", debunk_similarity=0.82)

    assert reason_texts(post, "rumour") == ["命中谣言库：双黄连可预防新冠（相似度0.82）"]
    assert post.risk.categories[0] == "rumour"
    assert post.risk.level == "high"


def test_without_the_debunks_the_reason_quotes_the_debunk_id():
    post = score(
        "双黄连能预防新冠，赶紧买！",
        scorer=RiskScorer(),
        debunk_id="shuanghuanglian",
        debunk_similarity=0.8,
    )

    assert reason_texts(post, "rumour") == ["命中谣言库：shuanghuanglian（相似度0.80）"]


def test_a_post_refuting_a_known_rumour_carries_no_rumour_risk():
    post = score(
        "辟谣：双黄连可预防新冠的说法不实，请勿抢购。",
        debunk_id="shuanghuanglian",
        debunk_similarity=0.9,
    )

    assert "rumour" not in post.risk.categories
    assert reason_texts(post, "rumour") == ["转述辟谣信息：双黄连可预防新冠"]
    assert post.risk.level == "low"


@pytest.mark.parametrize(
    ("rumour_score", "flagged"), [(0.87, True), (0.5, True), (0.4999, False), (0.3, False)]
)
def test_the_rumour_model_counts_from_one_half(rumour_score, flagged):
    post = score("听说明天全市停水停电，赶紧囤水。", rumour_score=rumour_score)

    assert ("rumour" in post.risk.categories) is flagged
    if flagged:
        assert reason_texts(post, "rumour") == [f"谣言模型判断为疑似谣言（{rumour_score:.2f}）"]


def test_negative_sentiment_raises_a_risky_post_and_is_explained():
    text = "市政府一直在瞒报疫情。"
    calm, angry = (
        score(text),
        score(text, sentiment="negative", sentiment_scores={"negative": 0.91, "neutral": 0.09}),
    )

    assert angry.risk.score > calm.risk.score
    assert reason_texts(angry, "negative") == ["负面情绪（0.91）"]
    assert "negative" in angry.risk.categories


def test_negative_sentiment_alone_stays_low():
    post = score("今天心情很差。", sentiment="negative", sentiment_scores={"negative": 0.95})

    assert post.risk.level == "low"
    assert post.risk.score > 0


def test_a_local_post_weighs_more():
    text = "市政府一直在瞒报疫情。"
    elsewhere, local = score(text), score(text, regions=["370102"])

    assert local.risk.score == pytest.approx(elsewhere.risk.score * 1.25, abs=0.1)
    assert reason_texts(local, "local") == ["涉及本地：370102"]


@pytest.mark.parametrize(
    ("_case", "text", "schemes", "expected"),
    [
        ("lexicon", "小区发现一例确诊，全楼隔离。", [], True),
        ("no epidemic word", "今天在家做了红烧肉。", [], False),
        ("scheme says so", "今天在家做了红烧肉。", ["s-epi"], True),
    ],
)
def test_the_stage_marks_epidemic_posts(_case, text, schemes, expected):
    scorer = RiskScorer({"s-epi": "epidemic"})

    post = score(text, scorer=scorer, schemes=schemes)

    assert post.epidemic is expected
    assert ("epidemic" in post.risk.categories) is expected


def test_a_scheme_with_a_category_adds_it_with_a_reason():
    scorer = RiskScorer({"s-petition": "gathering", "s-plain": ""})

    post = score("物业费的事情还没解决。", scorer=scorer, schemes=["s-petition", "s-plain"])

    assert post.risk.categories == ["gathering"]
    assert reason_texts(post, "gathering") == ["命中监测方案：s-petition（号召聚集）"]


def test_the_score_is_capped_at_100():
    post = score(
        "这帮狗官草菅人命！明天上午大家到市政府门口集合拉横幅讨说法，都站出来，忍无可忍！",
        regions=["370102"],
        sentiment="negative",
        sentiment_scores={"negative": 0.99},
        debunk_id="shuanghuanglian",
        debunk_similarity=0.9,
    )

    assert post.risk.score == 100.0
    assert post.risk.categories[:4] == ["rumour", "inciting", "gathering", "anti_government"]


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.0, "low"),
        (29.9, "low"),
        (30.0, "medium"),
        (59.9, "medium"),
        (60.0, "high"),
        (100.0, "high"),
    ],
)
def test_levels_follow_the_documented_thresholds(value, level):
    assert level_for(value) == level


@pytest.mark.parametrize(
    "text",
    [
        "新冠肺炎新型肺炎冠状病毒确诊病例",
        "新型冠状病毒感染的肺炎疫情防控，无症状感染者隔离",
        "核酸核酸检测健康码方舱疫区疫苗",
        "今天天气很好",
        "",
    ],
)
def test_one_automaton_pass_finds_the_epidemic_words_the_regex_finds(text):
    from opinion_engine import lexicons
    from opinion_engine.risk import find_words, scan_lexicons

    expected = [h.word for h in find_words(text, lexicons.EPIDEMIC, negatable=False)]
    present, found = scan_lexicons(text)
    assert found == expected
    assert ("epidemic" in present) == bool(expected)
