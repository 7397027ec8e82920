import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from qunfang.residents.models import Person
from qunfang.residents.testing import make_id


def test_it_writes_the_persons_template(db, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    call_command("import_ledger", "--template", "persons", "--out", str(out))
    book = openpyxl.load_workbook(out)
    assert "*身份证号" in [c.value for c in book.active[1]]
    assert "模板" in capsys.readouterr().out


def test_it_imports_a_file_and_reports(cast, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(f"户号,姓名,身份证号\n0001,周一,{make_id()}\n", encoding="utf-8")
    call_command("import_ledger", str(path), "--region", cast.village.code)
    assert "新增 1" in capsys.readouterr().out
    assert Person.objects.get().name == "周一"


def test_a_bad_row_fails_the_command_and_writes_nothing(cast, tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(f"户号,姓名,身份证号\n0001,周一,{make_id()}\n0001,吴二,123\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 行有错，未写入任何数据"):
        call_command("import_ledger", str(path), "--region", cast.village.code)
    assert "第3行“身份证号”列" in capsys.readouterr().err
    assert not Person.objects.exists()
    call_command("import_ledger", str(path), "--region", cast.village.code, "--valid-only")
    assert Person.objects.count() == 1


def test_a_file_without_the_template_columns_is_one_sentence_and_writes_nothing(cast, tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("名字\n周一\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_ledger", str(path), "--region", cast.village.code)

    message = str(error.value)
    assert message.startswith("ledger.csv：缺少必填列：户号、姓名、身份证号。")
    assert message.endswith("不要改动表头。未写入任何数据。")  # was "表头。。未写入"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--region", "140525100200"], "文件不存在"),
        (["x.csv", "--region", "999"], "找不到区划代码"),
        (["x.csv", "--region", "140525100200", "--ledger", "nope"], "未知的台账"),
    ],
)
def test_bad_arguments_are_clear_errors(cast, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_ledger", *args)


def test_audit_roster_prints_a_table_and_json(cast, capsys):
    call_command("audit_roster", "--region", cast.town.code)
    out = capsys.readouterr().out
    assert "完整性核查：南村镇" in out
    assert "南村村" in out
    call_command("audit_roster", "--region", cast.town.code, "--json")
    tree = json.loads(capsys.readouterr().out)
    assert tree["code"] == cast.town.code
    assert {child["code"] for child in tree["children"]} >= {cast.village.code}
