"""Bounds for the whole numbers forms accept, and the record picker every app uses.

A number too large (or too negative) for the database is a form error the user can read, never
a database error (a 500): SQLite cannot bind an integer beyond 64 bits, and PostgreSQL refuses a
count beyond its 32-bit `integer` column. `core/tests/test_formfields.py` walks every form."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# PostgreSQL `integer`: the narrowest column a count or number typed into a form is stored in.
# (Whether a count may be negative, or must be at least 1, is the services' rule, with their own
# messages; these bounds only keep the value storable.)
COUNT_MIN, COUNT_MAX = -2_147_483_648, 2_147_483_647
# Primary keys are `bigint` (DEFAULT_AUTO_FIELD = BigAutoField), from 1: a picker outside
# ID_MIN..ID_MAX names nothing.
ID_MIN, ID_MAX = 1, 9_223_372_036_854_775_807

# Dates a form accepts. 0001-01-01 and 9999-12-31 parse, but the day before the one and the
# day after the other do not exist: a report period or feed filter at either end was an
# OverflowError (a 500) in seven views. Nobody in the ledgers was born before 1900.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
DATE_OUT_OF_RANGE = _("日期应在 %(min)s 至 %(max)s 之间。")

TOO_LARGE = {"max_value": _("数值过大，不能超过%(limit_value)s。")}
TOO_SMALL = {"min_value": _("数值过小，不能小于%(limit_value)s。")}


class _OnCalendarDays:
    """Refuses a date (or the day of a datetime) outside DATE_MIN..DATE_MAX."""

    def validate(self, value: dt.date | None) -> None:
        super().validate(value)
        if value is None:
            return
        day = value.date() if isinstance(value, dt.datetime) else value
        if not DATE_MIN <= day <= DATE_MAX:
            raise ValidationError(
                DATE_OUT_OF_RANGE,
                code="date_range",
                params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
            )


class DateField(_OnCalendarDays, forms.DateField):
    """forms.DateField, from DATE_MIN to DATE_MAX. Every form of the project uses this one
    (core/tests/test_formfields.py walks them)."""


class DateTimeField(_OnCalendarDays, forms.DateTimeField):
    """forms.DateTimeField, on days from DATE_MIN to DATE_MAX."""


class SplitDateTimeField(_OnCalendarDays, forms.SplitDateTimeField):
    """The admin's date-and-time field, on days from DATE_MIN to DATE_MAX."""


# For a ModelAdmin: the admin builds its date fields from the model, not from our forms.
ADMIN_DATE_OVERRIDES = {
    models.DateField: {"form_class": DateField},
    models.DateTimeField: {"form_class": SplitDateTimeField},
}


def id_field(
    label: str | None = None,
    *,
    required: bool = True,
    widget: type[forms.Widget] = forms.Select,
    message: str = _("请选择。"),
) -> forms.IntegerField:
    """A record picker: an id from ID_MIN to ID_MAX. Whatever else is posted (nothing, a word,
    a number no id can be) gets `message`; whether the id names a row in the user's scope is the
    view's question (a 404)."""
    errors = {"required": message, "invalid": message, "min_value": message, "max_value": message}
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=ID_MIN,
        max_value=ID_MAX,
        widget=widget,
        error_messages=errors,
    )


def parse_id(text: object) -> int | None:
    """The record id a query parameter names, or None when it can name none.

    `str.isdigit()` is no guard for `int()`: it accepts "²", which int() refuses, and a string of
    5,000 digits, beyond the 4,300 that int() converts. Either was a server error wherever a view
    read an id from the query string that way. Only ASCII digits within ID_MIN..ID_MAX pass."""
    if not isinstance(text, str) or not (0 < len(text) <= 19) or not text.isascii():
        return None
    if not text.isdigit():
        return None
    value = int(text)
    return value if ID_MIN <= value <= ID_MAX else None


def query_text(text: object, limit: int) -> str:
    """A search box's text from the query string: printable characters only, at most `limit`.
    (NUL, which PostgreSQL refuses, never gets this far: NoNulInQueryMiddleware takes it out;
    tabs, newlines and other control characters never help a search.)"""
    if not isinstance(text, str):
        return ""
    return "".join(char for char in text if char.isprintable()).strip()[:limit].rstrip()
