"""Chinese resident ID numbers (GB 11643-1999) and mobile numbers: validation and masking."""

import datetime as dt
import re
import time
from dataclasses import dataclass
from operator import mul
from zoneinfo import ZoneInfo

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# [0-9], not \d: \d also takes Arabic-Indic, Devanagari and other decimal digits, and a number
# stored in them would escape its blind index and duplicate the person it belongs to.
ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
OLD_ID_PATTERN = re.compile(r"^[0-9]{15}$")
# Project choice (SECURITY.md): mainland mobile numbers 1[3-9] followed by 9 digits.
PHONE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE_PATTERN = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")


class InvalidIdNumber(ValueError):
    """Raised with a reason in Chinese that can be shown to the person who typed the number."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F", from the 17th digit (odd: male)
    region_code: str  # the 6-digit code of the place of first registration


# Birth dates on ID numbers are China's dates. Django points the process's time zone at
# settings.TIME_ZONE, but this module does not need Django, and in a process on a UTC clock the
# date is still yesterday's from midnight to 8 am in China: a child born today would read as
# born in the future.
CHINA = ZoneInfo("Asia/Shanghai")


def _today() -> dt.date:
    """Today in China, looked up at most once a minute: imports validate 100,000 numbers in a
    row."""
    minute = int(time.monotonic() // 60)
    if _TODAY[0] != minute:
        _TODAY[:] = [minute, dt.datetime.now(CHINA).date()]
    return _TODAY[1]


_TODAY: list = [None, None]


def check_char(first17: str) -> str:
    if len(first17) != 17:
        raise ValueError("check_char needs the first 17 digits")
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def upgrade_15(old: str) -> str:
    """The 18-digit number of a 15-digit one (issued before 1999, births 1900–1999)."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_char(first17)


def normalise_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").replace("x", "X").translate(FULLWIDTH_DIGITS)


FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in _LAST_CHARS:
        # The shape nearly every cell of an import has: checked with tables (ledgers of
        # 100,000 persons). Anything else takes the general path below.
        if raw[17] == "x":
            raw = raw[:17] + "X"
        date = _BIRTH.get(raw[6:14]) or _birth_entry(raw[6:14])
        birth = date[0]
        if birth is None:
            raise InvalidIdNumber("身份证号中的出生日期不存在")
        if birth > (today or _today()) or birth.year < 1880:
            raise InvalidIdNumber("身份证号中的出生日期不合理")
        tail = _TAIL[raw[14:17]]
        place = _PLACE.get(raw[:6])
        if place is None:
            place = sum(map(mul, map(int, raw[:6]), WEIGHTS))
            if len(_PLACE) < 100_000:
                _PLACE[raw[:6]] = place
        if CHECK_CHARS[(place + date[1] + tail[0]) % 11] != raw[17]:
            raise InvalidIdNumber("身份证号校验位错误，请核对")
        ident = _new_id(IdNumber)
        ident.__dict__.update(value=raw, birth_date=birth, sex=tail[1], region_code=raw[:6])
        return ident
    value = normalise_id_number(raw)
    if not value:
        raise InvalidIdNumber("身份证号为空")
    if OLD_ID_PATTERN.match(value):
        raise InvalidIdNumber(f"这是15位旧身份证号，请改填18位号码：{upgrade_15(value)}")
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为18位，实际为{len(value)}位")
    if not ID_PATTERN.match(value):
        raise InvalidIdNumber("身份证号只能是17位数字加1位数字或X")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号中的出生日期不存在") from None
    today = today or _today()
    if birth > today or birth.year < 1880:
        raise InvalidIdNumber("身份证号中的出生日期不合理")
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("身份证号校验位错误，请核对")
    return IdNumber(
        value=value,
        birth_date=birth,
        sex="M" if int(value[16]) % 2 else "F",
        region_code=value[:6],
    )


# Tables for the fast path: the weighted digit sum is split into the place code (6 digits,
# few distinct), the birth date (8 digits, cached with the date itself) and the last three
# digits before the check character (1,000 entries, also giving the sex).
_LAST_CHARS = frozenset("0123456789Xx")
_TAIL = {
    f"{n:03d}": (sum(map(mul, map(int, f"{n:03d}"), WEIGHTS[14:])), "M" if n % 2 else "F")
    for n in range(1000)
}
_PLACE: dict[str, int] = {}
_BIRTH: dict[str, tuple[dt.date | None, int]] = {}
_new_id = object.__new__


def _birth_entry(digits: str) -> tuple[dt.date | None, int]:
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        birth = None
    entry = (birth, sum(map(mul, map(int, digits), WEIGHTS[6:14])))
    if len(_BIRTH) < 100_000:
        _BIRTH[digits] = entry
    return entry


def is_valid_id_number(raw: str) -> bool:
    try:
        parse_id_number(raw)
    except InvalidIdNumber:
        return False
    return True


def normalise_phone(raw: str) -> str:
    value = re.sub(r"[\s\-]", "", str(raw or "")).translate(FULLWIDTH_DIGITS)
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    return value


def parse_phone(raw: str) -> str:
    """A mobile number, or raise ValueError with a reason in Chinese. Landlines with an area
    code (0356-1234567) are accepted as well: villages still list them."""
    if len(raw) == 11 and raw[0] == "1" and raw[1] in "3456789" and raw.isascii() and raw.isdigit():
        return raw  # the usual cell, without the normalising below
    value = normalise_phone(raw)
    if PHONE_PATTERN.match(value):
        return value
    if LANDLINE_PATTERN.match(value):
        return value
    raise ValueError("联系电话应为11位手机号或带区号的固定电话")


def mask_id_number(value: str) -> str:
    """140525********123X: the place code and the last four stay, the birth date is hidden."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
