"""The crawlers' push API: a clear 4xx for every kind of bad input, nothing half-written, and
each refusal counted in the source's health view."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opinion_engine.tests import hostile
from qunfang.opinion.api import MAX_BODY_BYTES
from qunfang.opinion.models import Post, Source

URL = "/api/v1/opinion/posts/"


def send(source, body, *, content_type="application/json", token=None, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return Client(HTTP_HOST="127.0.0.1").post(
        URL,
        data=data,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token or source.token}",
        **extra,
    )


def counters(source: Source) -> tuple[int, int]:
    source.refresh_from_db()
    return source.accepted, source.rejected_batches


def test_a_batch_is_analysed_and_stored(source):
    response = send(
        source,
        {"posts": [{"id": "1", "text": "泽州县发布第5号通告"}, {"id": 2, "text": "南村镇卡口"}]},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "accepted": 2, "duplicates": 0, "alerts": 0}
    assert set(Post.objects.values_list("external_id", flat=True)) == {"1", "2"}


def test_a_bare_array_is_accepted_and_a_resend_is_idempotent(source):
    assert send(source, [{"id": "1", "text": "一"}]).json()["accepted"] == 1
    assert send(source, [{"id": "1", "text": "一"}]).json() == {
        "received": 1,
        "accepted": 0,
        "duplicates": 1,
        "alerts": 0,
    }


@pytest.mark.parametrize("token", ["", "qf_wrong"])
def test_without_a_valid_token_nothing_is_read_or_written(source, token):
    client = Client(HTTP_HOST="127.0.0.1")
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    # A batch the right token would have stored.
    body = json.dumps([{"id": "1", "text": "泽州"}]).encode()
    response = client.post(URL, data=body, content_type="application/json", **headers)
    assert response.status_code == 401
    assert not Post.objects.exists()
    assert counters(source) == (0, 0)  # not even counted as a rejected batch of this source


def test_an_inactive_source_is_refused(source):
    Source.objects.filter(pk=source.pk).update(is_active=False)
    assert send(source, [{"id": "1", "text": "一"}]).status_code == 401


@pytest.mark.parametrize("length", ["9" * 5000, "99999999999999"])
def test_a_declared_length_beyond_the_limit_is_a_413(source, length):
    # A 5,000-digit Content-Length was a server error: int() converts at most 4,300 digits.
    response = send(source, [{"id": "1", "text": "泽州"}], CONTENT_LENGTH=length)

    assert response.status_code == 413
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b"id,text\n1,hello", "text/csv", 415, "application/json"),
        ('[{"id": "1", "text": "泽州"}]'.encode("gbk"), "application/json", 400, "UTF-8"),
        (b'[{"id": "1", "text": "gbk"}]', "application/json; charset=gbk", 415, "UTF-8"),
        (b'[{"id": "1", "text": ', "application/json", 400, "JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "嵌套过深"),
        (b'[{"id": ' + b"9" * 5000 + b', "text": "t"}]', "application/json", 400, "数字位数过多"),
        (b'{"items": []}', "application/json", 400, "posts"),
        (
            json.dumps([{"id": str(i), "text": "t"} for i in range(1001)]).encode(),
            "application/json",
            413,
            "1000",
        ),
        (
            json.dumps([{"id": "1", "text": "好"}, {"id": "1", "text": "重"}]).encode(),
            "application/json",
            400,
            "错误",
        ),
        (
            json.dumps([{"id": "1", "text": "<b>加粗</b>"}]).encode(),
            "application/json",
            400,
            "错误",
        ),
        (json.dumps([{"id": "1"}]).encode(), "application/json", 400, "错误"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_counted(source, body, content_type, status, reason):
    response = send(source, body, content_type=content_type)
    assert response.status_code == status
    assert reason in response.json()["detail"]
    assert not Post.objects.exists()
    assert counters(source) == (0, 1)


def test_lone_surrogates_are_read_as_replacement_characters(source):
    # Half an emoji pair, as a crawler that cuts UTF-16 text sends it: json decodes it into a
    # string neither SQLite nor PostgreSQL can store, and the batch was a server error. Now it
    # is U+FFFD, which the text refuses as it refuses any mis-encoded text.
    body = b'[{"id": "1\\ud800", "text": "\\u6cfd\\u5dde", "author": "\\udc00"}]'
    assert send(source, body).status_code == 200
    assert list(Post.objects.values_list("external_id", "text", "author")) == [
        ("1\ufffd", "泽州", "\ufffd")
    ]

    response = send(source, b'[{"id": "2", "text": "\\u6cfd\\u5dde\\ud83d"}]')
    assert response.status_code == 400
    assert response.json()["problems"] == [
        {"index": 0, "field": "text", "message": "正文含有无法识别的字符，请以 UTF-8 推送"}
    ]


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([{"id": "1", "text": "好"}, {"id": "1", "text": "重"}], (1, "id")),
        ([{"id": "1", "text": "<b>加粗</b>"}], (0, "text")),
        ([{"id": "1"}], (0, "text")),
    ],
)
def test_each_refused_batch_names_the_item_and_field_at_fault(source, items, problem):
    response = send(source, items)
    assert response.status_code == 400
    assert [(p["index"], p["field"]) for p in response.json()["problems"]] == [problem]


def test_item_problems_name_the_item_and_field(source):
    response = send(source, [{"id": "1", "text": "好"}, {"id": "2", "text": "<p>html</p>"}])
    assert response.json()["problems"] == [
        {"index": 1, "field": "text", "message": "正文含有 HTML 标签，请推送纯文本"}
    ]
    assert not Post.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(source):
    body = json.dumps([{"id": "1", "text": "字" * (MAX_BODY_BYTES // 3 + 10)}]).encode()
    assert send(source, body).status_code == 413


def test_the_push_api_is_in_the_openapi_schema(cast):
    from qunfang.org.testing import client_for

    schema = client_for(cast.hq).get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/opinion/posts/"]["post"]
    assert "413" in operation["responses"]
    assert any("sourceToken" in item for item in operation["security"])


hostile_items = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(hostile.texts, st.integers(), st.floats(), st.booleans()),
            "text": st.one_of(hostile.texts, st.integers(), st.lists(st.integers(), max_size=2)),
            "published_at": st.one_of(hostile.texts, st.integers(), st.floats()),
            "author": st.one_of(hostile.texts, st.none()),
            "url": st.one_of(hostile.texts, st.just("http://x/" + "a" * 600)),
        },
    ),
    max_size=4,
)


@settings(
    hostile.PROPERTIES,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hostile_items)
def test_any_batch_is_stored_or_refused_with_a_reason_never_a_server_error(source, items):
    before = Post.objects.count()
    body = json.dumps(items, ensure_ascii=False).encode("utf-8", "surrogatepass")
    response = send(source, body)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["detail"]
        assert Post.objects.count() == before
