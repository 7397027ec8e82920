import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine.tests import hostile
from opinion_engine.tests.hostile import PROPERTIES
from qunfang.enterprises.credit_code import (
    ALPHABET,
    InvalidCreditCode,
    check_character,
    is_valid_credit_code,
    parse_credit_code,
)

# Published examples of real codes (the check character is part of what is tested).
KNOWN = ["91350100M000100Y43", "91110000802100433B"]


@pytest.mark.parametrize("code", KNOWN)
def test_known_codes_are_valid(code):
    assert parse_credit_code(code) == code
    assert check_character(code[:17]) == code[17]


def test_spaces_lower_case_and_full_width_are_normalised():
    assert parse_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    assert parse_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"


def test_changing_any_one_character_is_caught():
    code = KNOWN[0]
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            mutated = code[:position] + char + code[position + 1 :]
            assert not is_valid_credit_code(mutated), mutated


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "统一社会信用代码为空"),
        ("9135010", "应为18位，实际为7位"),
        ("91350100M000100I43", "不允许的字符：I"),
        ("81350100M000100Y43", "前两位"),
        ("913501A0M000100Y43", "第3至8位"),
        ("91350100M000100Y44", "校验位错误"),
    ],
)
def test_bad_codes_say_what_is_wrong(raw, message):
    with pytest.raises(InvalidCreditCode) as caught:
        parse_credit_code(raw)
    assert message in str(caught.value)


CODE_LIKE = "0123456789ABCDEFGHJKLMNPQRTUWXYIOZSV０１ａｂ٣²-  "


@PROPERTIES
@given(
    st.one_of(
        st.text(alphabet=CODE_LIKE, min_size=16, max_size=20),
        hostile.texts,
        # A real code with one character typed another way: lower case, full width, another
        # script's digit, a space.
        st.tuples(st.sampled_from(KNOWN), st.integers(0, 17), st.sampled_from(range(5))).map(
            lambda t: (
                t[0][: t[1]]
                + (
                    t[0][t[1]].lower(),
                    chr(ord(t[0][t[1]]) + 0xFEE0),
                    chr(0x0660 + int(t[0][t[1]])) if t[0][t[1]].isdigit() else t[0][t[1]],
                    " " + t[0][t[1]],
                    t[0][t[1]],
                )[t[2]]
                + t[0][t[1] + 1 :]
            )
        ),
    )
)
def test_any_text_is_a_valid_ascii_code_or_refused_with_a_reason(raw):
    try:
        code = parse_credit_code(raw)
    except InvalidCreditCode as error:
        assert str(error).startswith("统一社会信用代码")
    else:
        assert re.fullmatch("[0-9A-HJ-NP-RT-UW-Y]{18}", code), code
        assert is_valid_credit_code(code)
