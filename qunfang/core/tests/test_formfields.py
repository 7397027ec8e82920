"""Every whole number a form accepts fits the database, so an over-long number typed (or posted)
is a form error, not a 500 (SQLite cannot bind it, PostgreSQL refuses it)."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

import qunfang
from opinion_engine.tests import hostile
from opinion_engine.tests.hostile import PROPERTIES
from qunfang.core.formfields import (
    COUNT_MAX,
    ID_MAX,
    ID_MIN,
    DateField,
    DateTimeField,
    SplitDateTimeField,
    parse_id,
    query_text,
)
from qunfang.org.testing import client_for


def form_classes():
    for module_info in pkgutil.walk_packages(qunfang.__path__, "qunfang."):
        if module_info.name.endswith(".forms"):
            module = importlib.import_module(module_info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def test_every_integer_field_of_every_form_has_a_ceiling_the_database_can_hold():
    checked, unbounded = 0, []
    for cls in form_classes():
        for name, field in cls.base_fields.items():
            where = f"{cls.__module__}.{cls.__name__}.{name}"
            if isinstance(field, forms.DecimalField):  # a subclass of IntegerField in Django
                if field.max_digits is None:
                    unbounded.append(where)
            elif isinstance(field, forms.FloatField):
                unbounded.append(where)  # no float column is typed into; a float would need one
            elif isinstance(field, forms.IntegerField):
                checked += 1
                if field.max_value is None or field.max_value > ID_MAX:
                    unbounded.append(where)
                if field.min_value is None or field.min_value < -ID_MAX:
                    unbounded.append(where + " (no floor)")
    assert checked > 20  # the walk found the forms
    assert unbounded == []


def test_every_date_field_of_every_form_keeps_to_the_date_range():
    checked, unbounded = 0, []
    for cls in form_classes():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                checked += 1
                if not isinstance(field, DateField | DateTimeField):
                    unbounded.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked > 20  # the walk found the forms
    assert unbounded == []


def test_every_date_field_of_every_admin_form_keeps_to_the_date_range(cast):
    # Django's own user admin too: a last login of 0001-01-01 overflowed when it was saved.
    request = RequestFactory().get("/admin/")
    request.user = cast.superuser
    checked, unbounded = 0, []
    for model, model_admin in admin.site._registry.items():
        # The change form where a row exists: some admins (users) add through another form.
        row = model._default_manager.first()
        form = model_admin.get_form(request, row, change=row is not None)
        for name, field in form.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
                checked += 1
                if not isinstance(field, DateField | DateTimeField | SplitDateTimeField):
                    unbounded.append(f"{model._meta.label}.{name}")
    assert checked > 10  # the walk found the admins' date fields
    assert unbounded == []


@pytest.mark.parametrize("field", [DateField(), DateTimeField()])
@pytest.mark.parametrize(
    ("text", "valid"),
    [("2026-11-30", True), ("1900-01-01", True), ("0001-01-01", False), ("9999-12-31", False)],
)
def test_a_date_beyond_the_range_is_a_form_error_in_chinese(field, text, valid):
    class Period(forms.Form):
        day = field

    form = Period({"day": text})
    assert form.is_valid() == valid
    if not valid:
        assert form.errors["day"] == ["日期应在 1900-01-01 至 2100-12-31 之间。"]


@pytest.mark.parametrize(
    "url",
    [
        "/residents/?end=0001-01-01",
        "/opinion/feed/?since=0001-01-01",
        "/opinion/feed/?until=9999-12-31",
        "/opinion/feed/export.xlsx?since=0001-01-01",
        "/hotlines/?start=0001-01-01",
        "/hotlines/?end=9999-12-31",
        "/broadcast/?start=0001-01-01",
        "/broadcast/?end=0001-01-01",
        "/broadcast/?end=9999-12-31",
    ],
)
def test_a_period_at_the_ends_of_the_calendar_is_not_a_server_error(cast, url):
    # The day before 0001-01-01 and the day after 9999-12-31 do not exist: OverflowError.
    assert client_for(cast.superuser).get(url).status_code in (200, 302)


def test_a_count_beyond_the_ceiling_is_a_form_error_in_chinese():
    from qunfang.publicity.forms import ArticleCountsForm

    form = ArticleCountsForm({"reads": str(COUNT_MAX + 1), "reprints": "0"})
    assert not form.is_valid()
    assert "数值过大" in form.errors["reads"][0]
    assert ArticleCountsForm({"reads": str(COUNT_MAX), "reprints": "0"}).is_valid()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (str(ID_MAX), ID_MAX),
        (str(ID_MAX + 1), None),
        ("0", None),
        ("-1", None),
        ("", None),
        (None, None),
        ("²", None),  # isdigit() says yes, int() says no
        ("１２", None),
        ("9" * 5000, None),  # beyond the 4,300 digits int() converts
        (" 7", None),
    ],
)
def test_an_id_in_the_query_string_is_ascii_digits_within_the_id_range(text, expected):
    assert parse_id(text) == expected


@pytest.mark.parametrize("value", ["²", "9" * 5000, "99999999999999999999"])
@pytest.mark.parametrize(
    "url",
    [
        "/volunteers/people/?team={}",
        "/hotlines/calls/?line={}",
        "/opinion/feed/?before=2020-02-01T00:00:00_{}",
        "/opinion/tickets/new/?alert={}",
        "/opinion/tickets/new/?post={}",
        "/supplies/transfers/new/?source={}",
        "/supplies/distributions/new/?depot={}",
        "/supplies/distributions/new/?household={}",
    ],
)
def test_an_id_no_record_can_have_in_the_query_string_is_not_a_server_error(cast, url, value):
    # Each of these views read the id with isdigit() and int(): "²" and 5,000 digits were 500s.
    response = client_for(cast.superuser).get(url.format(value))

    assert response.status_code in (200, 302, 404)


def test_a_search_text_keeps_printable_characters_only():
    assert query_text(" 张\x00三\t ", 30) == "张三"
    assert query_text("长" * 40, 30) == "长" * 30
    assert query_text(None, 30) == ""


@PROPERTIES
@given(st.one_of(hostile.texts, st.integers().map(str), st.none()))
def test_an_id_from_a_query_string_is_a_database_id_or_none(text):
    value = parse_id(text)
    assert value is None or (ID_MIN <= value <= ID_MAX and str(value) == text)


@PROPERTIES
@given(hostile.texts, st.integers(0, 50))
def test_search_text_is_printable_and_within_its_limit(text, limit):
    found = query_text(text, limit)
    assert len(found) <= limit
    assert all(char.isprintable() for char in found)
    assert found == found.strip()
