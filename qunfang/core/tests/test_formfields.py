"""Every whole number a form accepts fits the database, so an over-long number typed (or posted)
is a form error, not a 500 (SQLite cannot bind it, PostgreSQL refuses it)."""

import importlib
import inspect
import pkgutil

from django import forms

import qunfang
from qunfang.core.formfields import COUNT_MAX, ID_MAX


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


def test_a_count_beyond_the_ceiling_is_a_form_error_in_chinese():
    from qunfang.publicity.forms import ArticleCountsForm

    form = ArticleCountsForm({"reads": str(COUNT_MAX + 1), "reprints": "0"})
    assert not form.is_valid()
    assert "数值过大" in form.errors["reads"][0]
    assert ArticleCountsForm({"reads": str(COUNT_MAX), "reprints": "0"}).is_valid()
