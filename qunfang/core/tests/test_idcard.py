import datetime as dt
import random
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinion_engine.tests.hostile import PROPERTIES
from qunfang.core import idcard
from qunfang.core.idcard import (
    InvalidIdNumber,
    check_char,
    is_valid_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
    parse_phone,
    upgrade_15,
)


def test_the_standards_own_example_validates():
    ident = parse_id_number("11010519491231002X")
    assert ident.birth_date == dt.date(1949, 12, 31)
    assert ident.sex == "F"
    assert ident.region_code == "110105"


def test_a_lower_case_x_and_spaces_are_accepted():
    assert parse_id_number(" 11010519491231002x ").value == "11010519491231002X"


@pytest.mark.parametrize(
    ("_case", "value", "reason"),
    [
        ("wrong check digit", "110105194912310021", "校验位错误"),
        ("old 15 digits", "110105491231002", "15位旧身份证号"),
        ("too short", "1101051949123100", "应为18位"),
        ("letters", "11010519491231A02X", "只能是17位数字"),
        ("no such date", "110105194902300026", "出生日期不存在"),
        ("future birth", "110105209912310028", "不合理"),
        ("empty", "", "为空"),
    ],
)
def test_it_refuses_bad_numbers_with_a_reason(_case, value, reason):
    with pytest.raises(InvalidIdNumber, match=reason):
        parse_id_number(value)


def test_a_15_digit_number_names_its_18_digit_form():
    with pytest.raises(InvalidIdNumber) as error:
        parse_id_number("110105491231002")
    assert upgrade_15("110105491231002") in str(error.value)
    assert is_valid_id_number(upgrade_15("110105491231002"))


def test_valid_exactly_when_the_check_character_matches():
    """Property: every generated number validates; changing any one digit breaks it."""
    rng = random.Random(11643)
    for _ in range(300):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000))
        first17 = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + check_char(first17)
        assert is_valid_id_number(number)
        position = rng.randrange(18)  # the place, the birth date, the sequence or the check
        if position == 17:
            other = rng.choice([c for c in "0123456789X" if c != number[17]])
        else:
            other = str((int(number[position]) + rng.randrange(1, 10)) % 10)
        changed = number[:position] + other + number[position + 1 :]
        assert not is_valid_id_number(changed), changed


def test_masking_keeps_the_place_and_the_last_four():
    assert mask_id_number("14052519900101123X") == "140525********123X"
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    "value", ["13812345678", "138 1234 5678", "+8613812345678", "0356-1234567"]
)
def test_phones_people_type_are_accepted(value):
    assert parse_phone(value).isdigit()


@pytest.mark.parametrize("value", ["12345678901", "1381234567", "phone", "=1+1"])
def test_bad_phones_are_refused(value):
    with pytest.raises(ValueError, match="联系电话"):
        parse_phone(value)


def test_the_fast_path_agrees_with_the_general_one():
    """Property: 18-character ASCII cells take a table-driven path; every other spelling of
    the same number (spaces, full-width digits, lower-case x) goes the general way. Both must
    accept and refuse the same numbers with the same results and reasons."""
    rng = random.Random(1999)
    for _ in range(400):
        birth = dt.date(1890, 1, 1) + dt.timedelta(days=rng.randrange(50000))
        first17 = f"{rng.randrange(110000, 660000)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + (check_char(first17) if rng.random() < 0.7 else str(rng.randrange(10)))
        if rng.random() < 0.1:
            number = number[:10] + "1332" + number[14:]  # 13th month: no such date
        slow = " " + number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
        try:
            expected = parse_id_number(slow)
        except InvalidIdNumber as error:
            with pytest.raises(InvalidIdNumber) as fast:
                parse_id_number(number)
            assert str(fast.value) == str(error)
        else:
            assert parse_id_number(number) == expected
            assert parse_id_number(number.replace("X", "x")) == expected


def test_a_child_born_today_in_china_is_valid_whatever_the_servers_time_zone(monkeypatch):
    now = dt.datetime.now(idcard.CHINA)
    china = now.date()
    # A server zone whose date differs from China's now: 20 hours behind it, or 6 ahead.
    monkeypatch.setenv("TZ", "Etc/GMT+12" if now.hour < 20 else "Pacific/Kiritimati")
    time.tzset()
    try:
        monkeypatch.setattr(idcard, "_TODAY", [None, None])
        assert dt.date.today() != china  # the server's own date is another day
        first17 = "140525" + china.strftime("%Y%m%d") + "001"
        born_today = parse_id_number(first17 + check_char(first17))
        assert born_today.birth_date == china
        tomorrow = china + dt.timedelta(days=1)
        first17 = "140525" + tomorrow.strftime("%Y%m%d") + "001"
        with pytest.raises(InvalidIdNumber, match="不合理"):
            parse_id_number(first17 + check_char(first17))
    finally:
        monkeypatch.undo()
        time.tzset()


# Digits as they arrive from forms and spreadsheets: ASCII, full-width, and the other decimal
# digits Unicode has (Arabic-Indic, Devanagari…), which a regex's \d and int() both accept.
DIGIT_LIKE = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩०१२३४५६७८९Xx -²"


@PROPERTIES
@given(
    st.one_of(
        st.text(alphabet=DIGIT_LIKE, min_size=10, max_size=20),
        st.sampled_from(["11010519491231002X", "13812345678", "03561234567"]).flatmap(
            lambda good: st.integers(0, len(good) - 1).map(
                lambda i: (
                    good[:i] + chr(0x0660 + int(good[i])) + good[i + 1 :]
                    if good[i].isdigit()
                    else good
                )
            )
        ),
    )
)
def test_what_is_accepted_is_stored_in_ascii_digits(raw):
    # A number stored in other digits would escape its blind index and duplicate the person.
    try:
        value = parse_id_number(raw).value
    except InvalidIdNumber:
        pass
    else:
        assert re.fullmatch("[0-9]{17}[0-9X]", value), value
    try:
        phone = parse_phone(raw)
    except ValueError:
        pass
    else:
        assert re.fullmatch("[0-9]{10,12}", phone), phone
