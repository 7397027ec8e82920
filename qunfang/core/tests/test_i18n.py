from pathlib import Path

import polib
from django.conf import settings

from qunfang.org.testing import client_for

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def test_chinese_is_the_default_language(cast):
    response = client_for(cast.town_cadre).get("/")
    assert response["Content-Language"] == "zh-hans"
    assert "区域总览" in response.content.decode()


def test_english_can_be_chosen(cast):
    client = client_for(cast.town_cadre)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert "Regions below" in body
    assert "Overview" in body
    assert "下级区域" not in body


def test_the_english_catalogue_is_complete_and_compiled():
    po = polib.pofile(str(CATALOGUE))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries()
    mo = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in mo} == {e.msgid: e.msgstr for e in po if e.msgid}


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(cast):
    client = client_for(cast.town_cadre)
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "区域总览" in body
    admin = client_for(cast.superuser).get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "群防 Qunfang 后台管理" in admin
    # Django's own admin strings too, not only ours.
    assert "最近动作" in admin and "Recent actions" not in admin
