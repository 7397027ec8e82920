"""Chinese resident ID numbers (GB 11643-1999) and mobile numbers: validation and masking."""

import datetime as dt
import re
import time
from dataclasses import dataclass
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
OLD_ID_PATTERN = re.compile(r"^\d{15}$")
# Project choice (SECURITY.md): mainland mobile numbers 1[3-9] followed by 9 digits.
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


class InvalidIdNumber(ValueError):
    """Raised with a reason in Chinese that can be shown to the person who typed the number."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F", from the 17th digit (odd: male)
    region_code: str  # the 6-digit code of the place of first registration


def _today() -> dt.date:
    """Today, looked up at most once a minute: imports validate 100,000 numbers in a row."""
    minute = int(time.monotonic() // 60)
    if _TODAY[0] != minute:
        _TODAY[:] = [minute, dt.date.today()]
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
    value = normalise_phone(raw)
    if PHONE_PATTERN.match(value):
        return value
    if re.match(r"^0\d{2,3}\d{7,8}$", value):
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
