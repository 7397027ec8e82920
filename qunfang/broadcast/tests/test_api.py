import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from qunfang.broadcast.models import Fault, MonitorToken, Terminal
from qunfang.broadcast.tests.conftest import ago
from qunfang.org.testing import assert_api_scoped, client_for

URL = "/broadcast/api/heartbeats/"


def token_for(user) -> str:
    from io import StringIO

    out = StringIO()
    call_command("broadcast_token", user.get_username(), "--name", "监测平台", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def post(client: Client, beats, **headers):
    body = json.dumps({"heartbeats": beats})
    return client.post(URL, body, content_type="application/json", **headers)


def test_the_monitor_posts_heartbeats_with_its_token(cast, terminals):
    key = token_for(cast.town_cadre)
    client = Client(HTTP_HOST="127.0.0.1")
    at = ago(seconds=5)
    response = post(
        client, [{"terminal": "NC-200-01", "at": at.isoformat()}], HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 1, "terminals": 1, "recovered": [], "silenced": []}
    assert Terminal.objects.get(code="NC-200-01").last_heartbeat_at == at
    assert MonitorToken.objects.get().last_used_at is not None
    assert MonitorToken.objects.get().key_hash != key  # only a hash is stored


def test_a_heartbeat_for_an_out_of_scope_terminal_is_a_400_and_nothing_is_written(cast, terminals):
    key = token_for(cast.town_cadre)
    before = list(Terminal.objects.order_by("pk").values_list("last_heartbeat_at", flat=True))
    response = post(
        Client(HTTP_HOST="127.0.0.1"),
        [
            {"terminal": "NC-200-01", "at": ago(seconds=5).isoformat()},
            {"terminal": "MS-01", "at": ago(seconds=5).isoformat()},
            {"terminal": "GHOST", "at": ago(seconds=5).isoformat()},
        ],
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": ["以下终端编号不存在或不在本账号管辖范围内：GHOST、MS-01。本批心跳均未记录。"]
    }
    after = list(Terminal.objects.order_by("pk").values_list("last_heartbeat_at", flat=True))
    assert after == before


def test_a_lone_surrogate_in_the_body_is_read_as_a_replacement_character(cast, terminals):
    # JSON's "\\ud800" decodes to a string no database can store; it was a server error.
    key = token_for(cast.town_cadre)
    at = ago(seconds=5).isoformat()
    body = '{"heartbeats": [{"terminal": "NC-200-01\\ud800", "at": "' + at + '"}]}'
    response = Client(HTTP_HOST="127.0.0.1").post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 400
    assert "NC-200-01\ufffd" in response.json()["errors"][0]


def test_the_ingest_sweeps_quiet_terminals_of_its_scope(cast, terminals):
    Terminal.objects.update(last_heartbeat_at=ago(hours=3))
    response = post(
        client_for(cast.dept), [{"terminal": "NC-200-01", "at": ago(seconds=5).isoformat()}]
    )
    assert response.status_code == 200
    assert response.json()["silenced"] == ["NC-201-01"]  # MS-01 is in another county
    assert Fault.objects.get().terminal.code == "NC-201-01"


@pytest.mark.parametrize(
    "payload",
    [
        '{"beats": []}',
        "[1, 2]",
        '{"heartbeats": "x"}',
        "not json",
        '{"heartbeats": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"heartbeats": [{"terminal": ' + "9" * 5000 + "}]}",
    ],
    ids=["wrong_key", "list", "not_a_list", "not_json", "nested_too_deep", "5000_digits"],
)
def test_malformed_bodies_are_a_400_with_a_chinese_message(cast, terminals, payload):
    client = client_for(cast.dept)
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    message = json.dumps(response.json(), ensure_ascii=False)
    assert "heartbeats" in message or "请求体" in message


def test_bad_or_missing_credentials_are_refused(cast, terminals):
    client = Client(HTTP_HOST="127.0.0.1")
    beats = [{"terminal": "NC-200-01", "at": ago(seconds=5).isoformat()}]
    assert post(client, beats).status_code in (401, 403)
    response = post(client, beats, HTTP_AUTHORIZATION="Token wrong")
    assert response.status_code == 401
    assert "监测密钥无效" in response.json()["detail"]
    key = token_for(cast.dept)
    MonitorToken.objects.update(is_active=False)
    assert post(client, beats, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_people_without_the_loudspeakers_are_refused(cast, terminals):
    for persona in ("volunteer", "auditor", "grid_worker"):
        response = post(
            client_for(getattr(cast, persona)),
            [{"terminal": "NC-200-01", "at": ago(seconds=5).isoformat()}],
        )
        assert response.status_code == 403, persona


def test_a_token_is_issued_only_for_a_repairer(cast):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有村村响管理权限"):
        token_for(cast.village_cadre)
    with pytest.raises(CommandError, match="不存在"):
        call_command("broadcast_token", "nobody")
    assert MonitorToken.objects.count() == 0


def test_the_terminal_list_api_is_scoped(cast, terminals):
    url = reverse("broadcast:api_terminals")
    assert_api_scoped(
        cast.village_cadre,
        list_url=url,
        key="code",
        visible=["NC-200-01"],
        hidden=["NC-201-01", "MS-01"],
    )
    assert_api_scoped(
        cast.town_cadre,
        list_url=url,
        key="code",
        visible=["NC-200-01", "NC-201-01"],
        hidden=["MS-01"],
    )
    assert_api_scoped(
        cast.other_town_cadre, list_url=url, key="code", visible=["MS-01"], hidden=["NC-200-01"]
    )
