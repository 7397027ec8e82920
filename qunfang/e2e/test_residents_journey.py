import pytest
from playwright.sync_api import expect

from qunfang.e2e.conftest import login, shot
from qunfang.residents.models import Alert, Person
from qunfang.residents.testing import make_id, make_person

pytestmark = pytest.mark.browser


def test_a_village_cadres_health_round_raises_an_alert(phone, browser_cast):
    cast = browser_cast
    make_person(cast.village, name="王秀英", tag="elderly")
    make_person(cast.village, name="孙婆婆", tag="dibao", register_no="0002")
    login(phone, "village_cadre")
    phone.goto("/residents/round/?method=visit")
    expect(phone.locator("ul.stats li").nth(2)).to_contain_text("2")
    shot(phone, "round-before")

    card = phone.locator("ul.round > li", has_text="孙婆婆")
    card.locator("form.tap button").click()
    expect(phone.locator(".messages")).to_contain_text("孙婆婆：已记录，无异常")

    card = phone.locator("ul.round > li", has_text="王秀英")
    card.locator("summary").click()
    card.locator("input[name=temperature]").fill("38.2")
    card.locator("label", has_text="咳嗽").click()
    card.locator("form.symptoms button").click()
    expect(phone.locator(".messages")).to_contain_text("已上报症状预警")
    expect(phone.locator("ul.round > li.alerted")).to_contain_text("王秀英")
    shot(phone, "round-alert-raised")

    alert = Alert.objects.get(person__name="王秀英")
    assert alert.reason == "体温38.2℃、咳嗽"
    phone.goto("/residents/alerts/")
    expect(phone.locator("table.list")).to_contain_text("王秀英")


def test_a_town_clerk_fixes_a_bad_row_and_reimports(phone, browser_cast, tmp_path):
    cast = browser_cast
    good, bad = make_id(), make_id()
    broken = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    header = "村（社区）,户号,姓名,身份证号,联系电话\n"
    first = tmp_path / "台账.csv"
    first.write_text(
        header + f"南村村,0001,周一,{good},13812345678\n原家村,0002,吴二,{broken},13912345678\n",
        encoding="utf-8",
    )
    login(phone, "town_cadre")
    phone.goto("/residents/import/")
    phone.set_input_files("#id_file", str(first))
    phone.click("form.card button[type=submit]")
    expect(phone.locator("#result")).to_contain_text("未写入任何数据")
    expect(phone.locator("table.errors")).to_contain_text("身份证号")
    expect(phone.locator("table.errors")).to_contain_text("校验位错误")
    assert phone.locator("table.errors tbody tr").count() == 1
    assert phone.locator("table.errors td.num").inner_text() == "3"
    shot(phone, "import-errors")
    assert not Person.objects.exists()

    fixed = tmp_path / "台账-改.csv"
    fixed.write_text(first.read_text(encoding="utf-8").replace(broken, bad), encoding="utf-8")
    phone.set_input_files("#id_file", str(fixed))
    phone.click("form.card button[type=submit]")
    expect(phone.locator("#result")).to_contain_text("新增 2 人")
    shot(phone, "import-fixed")
    assert Person.objects.get(name="吴二").region == cast.sibling_village
