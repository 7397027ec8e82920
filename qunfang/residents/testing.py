"""Test support for ledger data: valid ID numbers and persons placed on the cast's tree."""

import datetime as dt
import itertools

from qunfang.core.crypto import blind_index, encrypt
from qunfang.core.idcard import check_char, mask_id_number, mask_phone
from qunfang.org.models import Region
from qunfang.residents.models import Household, Person, Tag

_serial = itertools.count(100)


def make_id(birth: dt.date = dt.date(1950, 3, 8), sex: str = "F", place: str = "140525") -> str:
    """A valid 18-digit ID number, different on every call."""
    order = (next(_serial) % 499) * 2 + (1 if sex == "M" else 0)
    first17 = f"{place}{birth:%Y%m%d}{order:03d}"
    return first17 + check_char(first17)


def make_person(
    region: Region,
    *,
    name: str = "王秀英",
    id_number: str | None = None,
    register_no: str = "0001",
    tag: str = "",
    phone: str = "13812345678",
    birth: dt.date = dt.date(1950, 3, 8),
) -> Person:
    id_number = id_number or make_id(birth)
    household, _created = Household.objects.get_or_create(
        region=region, register_no=register_no, defaults={"village_code": region.code[:12]}
    )
    person = Person.objects.create(
        household=household,
        region=region,
        village_code=region.code[:12],
        name=name,
        sex="M" if int(id_number[16]) % 2 else "F",
        birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        id_number=encrypt(id_number),
        id_index=blind_index(id_number),
        id_masked=mask_id_number(id_number),
        phone=encrypt(phone),
        phone_masked=mask_phone(phone),
        guardian_name="王建国" if tag else "",
        guardian_phone=encrypt("13912345678") if tag else "",
        guardian_phone_masked=mask_phone("13912345678") if tag else "",
    )
    if tag:
        Tag.objects.create(person=person, kind=tag, start_date=dt.date(2019, 1, 1))
    return person
