"""Locality: short names, ambiguity and false positives, on the real region tree of 晋城 (1405)."""

import lzma
from pathlib import Path

import ahocorasick
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine.locality import Gazetteer, LocalityTagger, is_common_word, short_names
from opinion_engine.tests import hostile
from opinion_engine.types import Post, Region

DIVISIONS = (
    Path(__file__).resolve().parents[2] / "qunfang" / "org" / "data" / "divisions-2023.tsv.xz"
)


@pytest.fixture(scope="module")
def jincheng() -> Gazetteer:
    with lzma.open(DIVISIONS, "rt", encoding="utf-8") as lines:
        rows = [line.rstrip("\n").split("\t") for line in lines if line.startswith("1405")]
    return Gazetteer.from_rows(rows)


@pytest.mark.parametrize(
    ("name", "upper", "expected"),
    [
        ("泽州县", True, ["泽州"]),
        ("高平市", True, ["高平"]),
        ("晋城市", True, ["晋城"]),
        ("城区", True, ["城"]),
        ("山西省", True, ["山西"]),
        ("孟村回族自治县", True, ["孟村"]),
        ("恩施土家族苗族自治州", True, ["恩施"]),
        ("广西壮族自治区", True, ["广西"]),
        ("内蒙古自治区", True, ["内蒙古"]),
        ("北石店镇", False, ["北石店"]),
        ("土沃乡", False, ["土沃"]),
        ("东街街道", False, ["东街"]),
        ("来广营地区", False, ["来广营"]),
        ("吴家沟村委会", False, ["吴家沟村", "吴家沟"]),
        ("裴圪塔村民委员会", False, ["裴圪塔村", "裴圪塔"]),
        ("建设路社区居委会", False, ["建设路社区"]),
        ("光明社区居民委员会", False, ["光明社区"]),
        ("岭杰社区", False, []),
        ("上元社社区居委会", False, ["上元社社区"]),
        ("北京市", None, ["北京"]),
        ("巴公镇", None, ["巴公"]),
    ],
)
def test_it_derives_the_short_names_people_write(name, upper, expected):
    assert short_names(name, upper=upper) == expected


@pytest.mark.parametrize(
    ("word", "upper", "expected"),
    [
        ("光明", False, True),
        ("红旗", False, True),
        ("东风", False, True),
        ("新村", False, True),
        ("山河", False, True),
        ("河北", False, True),
        ("城", True, True),
        ("开发区", False, True),
        ("北石店", False, False),
        ("巴公", False, False),
        ("高平", True, False),
        ("泽州", True, False),
        ("河北", True, False),
        ("和平", True, True),
    ],
)
def test_it_judges_which_short_names_are_common_words(word, upper, expected):
    assert is_common_word(word, upper=upper) is expected


@pytest.mark.parametrize(
    ("_case", "text", "expected"),
    [
        ("full_names_most_specific_first", "泽州县巴公镇发生聚集", ["140525108", "140525"]),
        ("county_short_name", "去高平了", ["140581"]),
        ("city_short_name", "晋城疫情", ["1405"]),
        ("town_short_name_of_three", "北石店有人聚集", ["140502100"]),
        ("town_short_name_with_county", "泽州巴公出现疫情", ["140525108", "140525"]),
        ("town_short_name_with_city", "晋城巴公出现疫情", ["140525108", "1405"]),
        ("village_with_suffix", "东风村出现确诊", ["140525115225"]),
        ("village_full_name", "新村村委会通知", ["140524104241"]),
        ("community_short_name", "光明社区封控", ["140525100007"]),
        ("generic_county_qualified", "晋城城区", ["140502", "1405"]),
        ("generic_county_qualified_full", "晋城市城区东街街道", ["140502001", "140502", "1405"]),
        ("name_inside_longer_name", "泽州北路社区", ["140502001011"]),
        ("deduplicated", "泽州，泽州县，还是泽州", ["140525"]),
        ("order_of_mention_within_level", "高平和泽州", ["140581", "140525"]),
        ("expects_normalised_text", "澤州縣", []),  # the stage normalises first
    ],
)
def test_it_tags_mentioned_regions(jincheng, _case, text, expected):
    assert jincheng.tag(text) == expected


@pytest.mark.parametrize(
    ("_case", "text"),
    [
        ("generic_county_alone", "城区封控"),
        ("village_called_xincun", "新村"),
        ("village_called_dongfeng", "东风汽车"),
        ("village_called_taiping", "太平洋"),
        ("community_called_guangming", "光明的未来"),
        ("town_called_shanhe", "山河无恙，人间皆安"),
        ("town_called_sanjia", "三甲医院"),
        ("town_called_hebei_is_the_province", "河北省新增病例"),
        ("crossing_words_both_sides", "提高平均水平"),
        ("crossing_a_place_name", "襄阳城事"),
        ("crossing_a_province", "广西河池"),
        ("stem_of_another_district", "龙港区金域华城"),
        ("stem_of_another_city", "武安市"),
        ("two_character_town_without_context", "巴公出现疫情"),
        ("two_character_village_without_context", "回龙"),
        ("foreign_surname", "中村先生"),
    ],
)
def test_it_does_not_tag_common_words(jincheng, _case, text):
    assert jincheng.tag(text) == []


@pytest.mark.parametrize(
    ("_case", "text", "expected"),
    [
        ("same_name_villages_without_context", "窑头村", []),
        ("same_name_villages_with_town", "北石店镇窑头村", ["140502100238", "140502100"]),
        ("same_name_villages_with_county", "阳城县窑头村", ["140522109227", "140522"]),
        ("town_and_village_prefers_the_town", "西上庄", ["140502007"]),
        ("town_and_village_suffix_is_the_village", "西上庄村", ["140502007200"]),
        ("two_character_name_resolved_to_town", "泽州南村", ["140525100", "140525"]),
        ("village_under_mentioned_town", "南村镇南村村", ["140525100200", "140525100"]),
    ],
)
def test_it_resolves_ambiguous_names_by_context(jincheng, _case, text, expected):
    assert jincheng.tag(text) == expected


def test_it_gives_ancestors_nearest_first(jincheng):
    assert jincheng.ancestors("140525108") == ["140525", "1405"]
    assert jincheng.ancestors("140502100238") == ["140502100", "140502", "1405"]
    assert jincheng.ancestors("1405") == []


def test_it_refuses_ancestors_of_an_unknown_code(jincheng):
    with pytest.raises(KeyError):
        jincheng.ancestors("1101")


def test_it_holds_every_name_in_one_automaton(jincheng):
    assert isinstance(jincheng.automaton, ahocorasick.Automaton)
    assert len(jincheng.automaton) == len(jincheng.names)
    assert {"泽州县", "泽州", "北石店", "东风村", "晋城城区"} <= set(jincheng.names)
    assert not {"城区", "东风", "新村", "山河", "光明"} & set(jincheng.names)


def test_it_derives_parents_from_code_prefixes():
    gazetteer = Gazetteer.from_rows(
        [("14", "山西省"), ("1405", "晋城市"), ("140525", "泽州县"), ("140525108", "巴公镇")]
    )

    assert gazetteer.regions["140525108"].parent == "140525"
    assert gazetteer.regions["14"].parent == ""


def test_it_accepts_regions_with_codes_of_another_scheme():
    regions = [
        Region(code="C", name="甲市"),
        Region(code="C-1", name="乙县", parent="C"),
        Region(code="C-1-1", name="丙丁镇", parent="C-1"),
        Region(code="C-1-1-1", name="红旗村委会", parent="C-1-1"),
    ]

    gazetteer = Gazetteer(regions)

    assert gazetteer.tag("乙县丙丁镇红旗村") == ["C-1-1-1", "C-1-1", "C-1"]
    assert gazetteer.tag("红旗飘飘") == []
    assert gazetteer.ancestors("C-1-1-1") == ["C-1-1", "C-1", "C"]


def test_it_never_uses_deployment_generic_words_alone():
    rows = [("1405", "晋城市"), ("140525", "泽州县"), ("140525108", "巴公镇")]

    gazetteer = Gazetteer.from_rows(rows, generic_words=["泽州"])

    assert gazetteer.tag("泽州") == []
    assert gazetteer.tag("泽州县") == ["140525"]


def test_it_sets_post_regions_from_the_normalised_text(jincheng):
    tagger = LocalityTagger(jincheng)
    post = Post(source="t", external_id="1", text="澤州縣巴公鎮", normalized="泽州县巴公镇")

    assert tagger(post).regions == ["140525108", "140525"]


def test_it_normalises_a_post_that_was_not_normalised(jincheng):
    post = Post(source="t", external_id="1", text="#澤州縣#巴公鎮")

    LocalityTagger(jincheng)(post)

    assert (post.normalized, post.regions) == ("泽州县 巴公镇", ["140525108", "140525"])


def test_the_batch_check_never_skips_a_post_the_gazetteer_tags(jincheng):
    texts = [
        "泽州县巴公镇今天开展核酸检测",
        "北石店刘村出现确诊病例",
        "今天天气不错，大家出门戴口罩",
        "提高平均水平",
        "",
        "a",
        "高平",
    ]
    flags = jincheng.might_mention(texts)
    assert [bool(jincheng.tag(t)) for t in texts] == [True, True, False, False, False, False, True]
    assert all(flag for flag, text in zip(flags, texts, strict=True) if jincheng.tag(text))
    assert flags[2] is False and flags[4] is False and flags[5] is False


def test_the_stage_tags_a_batch_as_it_tags_posts_one_by_one(jincheng):
    texts = ["泽州县巴公镇今天开展核酸检测", "今天天气不错", "高平市米山镇", "[心]"]
    tagger = LocalityTagger(jincheng)
    batch = tagger.process_batch(
        [Post("t", str(i), t, normalized=t) for i, t in enumerate(texts)], on_error=None
    )
    singles = [tagger(Post("t", str(i), t)) for i, t in enumerate(texts)]
    assert [p.regions for p in batch] == [p.regions for p in singles]
    assert batch[0].regions and not batch[1].regions


def test_a_text_with_nul_characters_does_not_shift_the_batch_check(jincheng):
    texts = ["a\x00b\x00c", "今天天气不错", "泽州县巴公镇", "\x00"]
    assert jincheng.might_mention(texts) == [False, False, True, False]


@hostile.PROPERTIES
@given(
    st.lists(
        st.tuples(st.sampled_from(["14", "1405", "140525", "140525100", "x"]), hostile.texts),
        max_size=5,
    ),
    st.lists(hostile.texts, min_size=1, max_size=6),
)
def test_any_region_names_tag_any_text_with_their_own_codes(rows, texts):
    # Region names are edited in the admin; a broken one must not stop the tagging of posts.
    gazetteer = Gazetteer.from_rows(rows)
    tagger = LocalityTagger(gazetteer)
    codes = {code.strip() for code, _name in rows}
    for text in texts:
        assert set(gazetteer.tag(text)) <= codes
        tagger(Post("s", "1", text))


def test_a_region_without_a_name_names_nothing():
    gazetteer = Gazetteer.from_rows([("14", ""), ("1405", "晋城市")])

    assert gazetteer.tag("泽州") == []
    assert gazetteer.tag("晋城疫情") == ["1405"]
