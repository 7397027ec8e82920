"""A service's ValidationError, shown where a person reads it: next to the form fields it names
(or above the form), or as messages on the page a redirect lands on."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest


def attach_errors(form: Form, error: ValidationError) -> None:
    """Put each message on the field it concerns; messages for no field go above the form."""
    if hasattr(error, "error_dict"):
        for field, field_messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_messages)
    else:
        form.add_error(None, error)


def flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


class FieldErrors:
    """Collects every problem of one input, so the person sees them all at once; services raise
    them together as one ValidationError keyed by field."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def clean_text(value: str | None) -> str:
    """A typed value with surrounding blanks dropped; None counts as empty."""
    return (value or "").strip()
