import datetime as dt

from django.utils import timezone

from qunfang.core.ledgers import ledger_import
from qunfang.core.spreadsheets import write_csv
from qunfang.residents.audit import completeness_audit
from qunfang.residents.models import HealthCheck
from qunfang.residents.testing import make_id, make_person


def roster(cast, village, rows):
    data = write_csv(["户号", "姓名", "身份证号"], rows)
    result = ledger_import(actor=cast.town_cadre, region=village, ledger_name="roster", data=data)
    assert result.written, result.errors


def test_it_finds_missing_households_and_persons_and_rolls_up(cast):
    a, b, c, d = (make_id() for _ in range(4))
    make_person(cast.village, name="甲", id_number=a, register_no="0001")
    make_person(cast.village, name="乙", id_number=b, register_no="0001")
    roster(
        cast,
        cast.village,
        [["0001", "甲", a], ["0001", "乙", b], ["0002", "丙", c], ["0003", "丁", d]],
    )
    report = completeness_audit(cast.town_cadre, cast.town)
    village = next(line for line in report.children if line.code == cast.village.code)
    assert village.roster_persons == 4
    assert village.found_persons == 2
    assert village.missing_persons == 2
    assert village.roster_households == 3
    assert village.missing_households == 2
    assert village.completeness == 50.0
    sibling = next(line for line in report.children if line.code == cast.sibling_village.code)
    assert sibling.completeness is None
    assert report.roster_persons == 4
    assert report.completeness == 50.0
    assert report.villages_with_roster == 1
    assert report.villages == len(report.children)


def test_a_person_in_another_village_does_not_count_as_found(cast):
    a = make_id()
    make_person(cast.sibling_village, id_number=a)
    roster(cast, cast.village, [["0001", "甲", a]])
    report = completeness_audit(cast.town_cadre, cast.village)
    assert report.found_persons == 0


def test_vulnerable_persons_unchecked_for_n_days_are_counted(cast):
    checked = make_person(cast.village, name="查过", tag="elderly")
    make_person(cast.village, name="没查", tag="dibao", register_no="0002")
    make_person(cast.village, name="普通", register_no="0003")
    HealthCheck.objects.create(
        person=checked,
        region=cast.village,
        checked_on=timezone.localdate() - dt.timedelta(days=1),
        checked_at=timezone.now(),
        method="phone",
    )
    report = completeness_audit(cast.village_cadre, cast.village, stale_days=3)
    assert (report.vulnerable, report.stale_vulnerable) == (2, 1)
    assert report.ledger_persons == 3


def test_the_audit_is_scoped(cast):
    a = make_id()
    roster(cast, cast.sibling_village, [["0001", "甲", a]])
    report = completeness_audit(cast.village_cadre, cast.town)
    assert report.roster_persons == 0
