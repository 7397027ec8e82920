"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
31-character alphabet (no I, O, Z, S, V), the 1st the registering authority, the 2nd the kind
of organisation, the 3rd–8th the administrative division, the 9th–17th the organisation
code, the 18th a check character over the first 17 (weights 3^i mod 31)."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# The registering authorities with the kinds of organisation each registers (GB 32100 表1).
KINDS = {
    "1": "139",  # 机构编制
    "5": "1239",  # 民政
    "9": "123",  # 工商
    "Y": "1",  # 其他
}
FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
    "0123456789ABCDEFGHJKLMNPQRTUWXY",
)


class InvalidCreditCode(ValueError):
    """Raised with a reason in Chinese that can be shown to the person who typed the code."""


def check_character(first17: str) -> str:
    total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper().translate(FULLWIDTH)


def parse_credit_code(raw: str) -> str:
    """The normalised code, or raise InvalidCreditCode saying what is wrong."""
    code = normalise_credit_code(raw)
    if not code:
        raise InvalidCreditCode("统一社会信用代码为空")
    if len(code) != 18:
        raise InvalidCreditCode(f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = sorted({char for char in code if char not in VALUES})
    if bad:
        raise InvalidCreditCode(
            "统一社会信用代码含有不允许的字符：" + "、".join(bad) + "（不使用 I、O、Z、S、V）"
        )
    if code[0] not in KINDS or code[1] not in KINDS[code[0]]:
        raise InvalidCreditCode("统一社会信用代码前两位（登记管理部门、机构类别）不正确")
    if not code[2:8].isdigit():
        raise InvalidCreditCode("统一社会信用代码第3至8位应为行政区划代码（数字）")
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode("统一社会信用代码校验位错误，请核对")
    return code


def is_valid_credit_code(raw: str) -> bool:
    try:
        parse_credit_code(raw)
    except InvalidCreditCode:
        return False
    return True
