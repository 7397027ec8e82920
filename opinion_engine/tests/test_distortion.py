"""Text distortion: a post's way of telling, with the story it tells masked."""

import numpy as np

from opinion_engine.distortion import Distorter, frequent_characters


def test_the_most_frequent_characters_come_first_without_spaces_digits_or_latin():
    texts = ["据说了了了 2020 abc", "据说封城了！", "网传了"]
    assert frequent_characters(texts, 3) == "了据说"
    assert frequent_characters(texts, 100) == "了据说封城！网传"
    assert frequent_characters([], 5) == ""


def test_a_claim_keeps_its_telling_and_loses_its_story():
    mask = Distorter("据说了!")
    assert mask("据说武汉封城了!!") == "据说****了!!"
    # Another story told the same way reads the same.
    assert mask("据说北京封路了!!") == mask("据说武汉封城了!!")


def test_digits_latin_letters_and_spaces_have_marks_of_their_own():
    mask = Distorter("")
    assert mask("新增12例 Covid 病例") == "**00* aaaaa **"
    assert mask("３²") == "00"  # any script's digits: normalisation leaves few


def test_a_character_beyond_the_basic_plane_is_masked_unless_listed():
    assert Distorter("")("𠀀字") == "**"
    assert Distorter("𠀀")("𠀀字") == "𠀀*"


def test_the_separator_between_a_batchs_texts_survives_the_mask():
    codes = np.frombuffer("甲\x00乙".encode("utf-32-le"), dtype=np.uint32)
    assert Distorter("").codes(codes).tolist() == [ord("*"), 0, ord("*")]
