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
