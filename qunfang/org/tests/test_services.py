import pytest
from django.core.exceptions import ValidationError

from qunfang.core.models import AuditEvent
from qunfang.org.models import Region
from qunfang.org.roles import Level, Role
from qunfang.org.services import (
    UnknownRegionCode,
    grid_create,
    membership_create,
    regions_load,
)


def test_it_loads_a_county_with_parents_and_every_descendant(db):
    result = regions_load(root="140524")  # 陵川县
    county = Region.objects.get(code="140524")
    assert county.name == "陵川县"
    assert county.level == Level.COUNTY
    assert county.parent.code == "1405"
    assert county.parent.parent.code == "14"
    villages = Region.objects.filter(code__startswith="140524", level=Level.VILLAGE)
    assert villages.count() == 273  # 陵川县 in the NBS 2023 list
    assert result.total == Region.objects.filter(code__startswith="140524").count() + 2
    assert all(v.parent.code == v.code[:9] for v in villages.select_related("parent")[:50])


def test_it_is_idempotent_and_keeps_ids(db):
    regions_load(root="140524")
    before = dict(Region.objects.values_list("code", "pk"))
    again = regions_load(root="140524")
    assert again.created == 0
    assert again.updated == 0
    assert dict(Region.objects.values_list("code", "pk")) == before


def test_it_refreshes_a_renamed_division(db):
    regions_load(root="140524")
    Region.objects.filter(code="140524").update(name="旧名")
    result = regions_load(root="140524")
    assert result.updated == 1
    assert Region.objects.get(code="140524").name == "陵川县"


@pytest.mark.parametrize("code", ["140599", "1", "abc", "1405251002001", "", "14052510020"])
def test_it_rejects_unknown_codes_and_writes_nothing(db, code):
    count = Region.objects.count()
    with pytest.raises(UnknownRegionCode):
        regions_load(root=code)
    assert Region.objects.count() == count


def test_it_numbers_grids_after_their_village(cast):
    grid = grid_create(actor=cast.village_cadre, village=cast.village, name="第三网格")
    assert grid.code == cast.village.code + "002"  # 001 is the cast's 第一网格
    assert grid.level == Level.GRID
    assert grid.parent == cast.village
    assert AuditEvent.objects.filter(action="create", region_code=grid.code).count() == 1


def test_it_reuses_the_lowest_free_grid_number(cast):
    second = grid_create(actor=cast.superuser, village=cast.village, name="二")
    grid_create(actor=cast.superuser, village=cast.village, name="三")
    second.delete()
    again = grid_create(actor=cast.superuser, village=cast.village, name="四")
    assert again.code.endswith("002")


@pytest.mark.parametrize(
    ("_case", "name", "message"),
    [("blank", "  ", "请填写网格名称"), ("taken", "第一网格", "同名网格")],
)
def test_it_refuses_bad_grid_names(cast, _case, name, message):
    with pytest.raises(ValidationError, match=message):
        grid_create(actor=cast.village_cadre, village=cast.village, name=name)


def test_it_only_builds_grids_under_villages(cast):
    with pytest.raises(ValidationError, match="村"):
        grid_create(actor=cast.town_cadre, village=cast.town, name="镇网格")


@pytest.mark.parametrize(
    ("role", "region_attr"),
    [
        (Role.VILLAGE_CADRE, "town"),
        (Role.TOWN_CADRE, "village"),
        (Role.HQ_LEADER, "town"),
        (Role.GRID_WORKER, "town"),
    ],
)
def test_it_refuses_a_role_at_the_wrong_level(cast, role, region_attr):
    with pytest.raises(ValidationError, match="不能设在"):
        membership_create(
            actor=cast.superuser, user=cast.volunteer, region=getattr(cast, region_attr), role=role
        )


def test_it_audits_every_membership_change(cast):
    before = AuditEvent.objects.filter(action="permission").count()
    membership_create(actor=cast.hq, user=cast.volunteer, region=cast.village, role=Role.VOLUNTEER)
    assert AuditEvent.objects.filter(action="permission").count() == before + 1
