import pytest
from django.core.management import CommandError, call_command

from qunfang.org.models import Region


def test_load_regions_loads_a_subtree_and_reports_counts(db, capsys):
    call_command("load_regions", "--root", "140524")
    out = capsys.readouterr().out
    assert "140524" in out
    assert "新增" in out
    assert Region.objects.filter(code__startswith="140524").count() == 285


def test_load_regions_twice_changes_nothing(db, capsys):
    call_command("load_regions", "--root", "140524")
    before = Region.objects.count()
    call_command("load_regions", "--root", "140524")
    assert "新增 0" in capsys.readouterr().out
    assert Region.objects.count() == before


def test_load_regions_refuses_an_unknown_code_and_writes_nothing(db):
    before = Region.objects.count()
    with pytest.raises(CommandError, match="未知的区划代码“140599”"):
        call_command("load_regions", "--root", "140524", "--root", "140599")
    assert Region.objects.count() == before


def test_load_regions_exits_non_zero_from_the_shell(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "load_regions", "--root", "000000"],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "QUNFANG_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "未知的区划代码" in result.stderr


def test_seed_demo_builds_the_jincheng_city_and_prints_logins(db, tmp_path, capsys):
    logins = tmp_path / "logins.txt"
    call_command("seed_demo", "--posts", "200", "--logins-file", str(logins))
    out = capsys.readouterr().out
    assert Region.objects.get(code="1405").name == "晋城市"
    counties = Region.objects.filter(parent__code="1405").values_list("name", flat=True)
    assert set(counties) == {"城区", "沁水县", "阳城县", "陵川县", "泽州县", "高平市"}
    assert Region.objects.filter(code__startswith="1405", level="village").count() == 1729
    assert "nc_nancun" in out
    assert "nc_nancun" in logins.read_text(encoding="utf-8")
    assert oct(logins.stat().st_mode & 0o777) == "0o600"


def test_seed_demo_twice_keeps_passwords_and_rows(db, tmp_path, capsys):
    from django.contrib.auth import get_user_model

    call_command("seed_demo", "--posts", "200", "--logins-file", str(tmp_path / "a.txt"))
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    regions = Region.objects.count()
    call_command("seed_demo", "--posts", "200", "--logins-file", str(tmp_path / "b.txt"))
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert Region.objects.count() == regions
    assert not (tmp_path / "b.txt").exists()
    assert "密码未改动" in capsys.readouterr().out
