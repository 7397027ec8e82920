import pytest

from qunfang.core.models import AuditEvent
from qunfang.org.testing import assert_admin_scoped, client_for
from qunfang.supplies import services
from qunfang.supplies.models import Item, Movement, StockEntry, StockThreshold
from qunfang.supplies.tests.conftest import days_ago, line


@pytest.fixture
def rows(cast, items, stocked):
    """For each admin list: a row in the cast's town and one in another county."""
    for depot in (stocked.town, stocked.foreign):
        services.threshold_set(actor=cast.superuser, depot=depot, item=items.lamp, minimum=2)
    return {
        "depot": (stocked.town, stocked.foreign),
        "movement": (
            Movement.objects.get(target=stocked.town),
            Movement.objects.get(target=stocked.foreign),
        ),
        "stockentry": (
            StockEntry.objects.filter(depot=stocked.town).first(),
            StockEntry.objects.filter(depot=stocked.foreign).first(),
        ),
        "stockthreshold": (
            StockThreshold.objects.get(depot=stocked.town),
            StockThreshold.objects.get(depot=stocked.foreign),
        ),
    }


@pytest.mark.parametrize("model", ["depot", "movement", "stockentry", "stockthreshold"])
def test_staff_see_only_their_subtree(cast, rows, model):
    own, foreign = rows[model]
    url = f"/admin/supplies/{model}/"
    assert_admin_scoped(cast.town_cadre, changelist_url=url, visible=own, hidden=foreign)
    assert_admin_scoped(cast.other_town_cadre, changelist_url=url, visible=foreign, hidden=own)


def test_a_transfer_shows_in_the_senders_admin_too(cast, items, stocked):
    up = services.transfer_dispatch(
        actor=cast.superuser,
        source=stocked.village,
        target=stocked.district,
        occurred_on=days_ago(0),
        lines=[line(items.mask, 5)],
    )
    response = client_for(cast.town_cadre).get("/admin/supplies/movement/")
    assert up.pk in {m.pk for m in response.context["cl"].result_list}


def test_movements_and_the_ledger_are_read_only(cast, rows):
    client = client_for(cast.town_cadre)
    movement = rows["movement"][0]
    assert client.get("/admin/supplies/movement/add/").status_code == 403
    assert client.get("/admin/supplies/stockentry/add/").status_code == 403
    change = client.get(f"/admin/supplies/movement/{movement.pk}/change/")
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    before = sorted(movement.lines.values_list("quantity", flat=True))
    # Refused as writes, not merely as incomplete forms.
    assert (
        client.post(
            f"/admin/supplies/movement/{movement.pk}/change/", {"donor": "改过"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/admin/supplies/movement/{movement.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    entry = movement.entries.first()  # the ledger line the movement wrote
    for action in ("change", "delete"):
        url = f"/admin/supplies/stockentry/{entry.pk}/{action}/"
        assert client.post(url, {"post": "yes"}).status_code == 403, url
    movement.refresh_from_db()
    after = sorted(movement.lines.values_list("quantity", flat=True))
    assert (movement.donor, after) == ("晋城市慈善总会", before)


def test_a_threshold_edit_is_validated_and_audited(cast, items, rows):
    threshold = rows["stockthreshold"][0]
    url = f"/admin/supplies/stockthreshold/{threshold.pk}/change/"
    client = client_for(cast.town_cadre)
    form = {"depot": threshold.depot_id, "item": items.lamp.pk, "minimum": "1.5"}
    refused = client.post(url, form)
    assert "按台计，数量必须是整数" in refused.content.decode()
    client.post(url, {**form, "minimum": "4"})
    threshold.refresh_from_db()
    assert threshold.minimum == 4
    assert AuditEvent.objects.filter(target__startswith="库存下限", actor=cast.town_cadre).exists()


def test_only_a_county_manager_edits_the_catalogue(cast, items):
    url = f"/admin/supplies/item/{items.mask.pk}/change/"
    data = {"name": "医用外科口罩", "unit": "只", "category": "protective"}
    client_for(cast.town_cadre).post(url, data)
    assert Item.objects.get(pk=items.mask.pk).unit == "个"
    client_for(cast.hq).post(url, data)
    assert Item.objects.get(pk=items.mask.pk).unit == "只"
    assert client_for(cast.auditor).get("/admin/supplies/item/").status_code == 403


def test_a_depot_cannot_be_put_on_a_grid(cast, depots):
    client = client_for(cast.town_cadre)
    response = client.post(
        "/admin/supplies/depot/add/",
        {"region": cast.grid.pk, "name": "网格仓库", "is_active": "on"},
    )
    assert "仓库只能设在区县、乡镇街道或村（社区）。" in response.content.decode()
