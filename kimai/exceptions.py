"""Errors in Kimai's shape: ``{"code": 404, "message": "…"}``, and for invalid input
``{"code": 400, "message": "Validation Failed", "errors": {"errors": […], "children":
{"<field>": {"errors": […]}}}}``, after ``/api/v1/``'s own handler has turned the model
layer's errors into answers (never a 500)."""

from rest_framework import status
from rest_framework.settings import api_settings

from api.exceptions import exception_handler as api_exception_handler
from kimai.serializers import TimesheetSerializer


def exception_handler(exc, context):
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if response.status_code == status.HTTP_400_BAD_REQUEST and not _detail_only(data):
        response.data = {
            "code": 400,
            "message": "Validation Failed",
            "errors": validation_errors(data),
        }
    else:
        message = data.get("detail", "") if isinstance(data, dict) else ""
        response.data = error(response.status_code, str(message))
    return response


def error(code: int, message: str) -> dict:
    """Kimai's answer for anything but invalid input."""
    return {"code": code, "message": message}


def _detail_only(data) -> bool:
    return isinstance(data, dict) and set(data) == {"detail"}


def validation_errors(data) -> dict:
    """DRF's ``{"field": ["message"]}`` (or a list for the whole body) as Kimai's form
    errors, fields under Kimai's names."""
    if not isinstance(data, dict):
        return {"errors": _messages(data), "children": {}}
    data = TimesheetSerializer.kimai_errors(data)
    whole = data.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
    children = {field: {"errors": _messages(messages)} for field, messages in data.items()}
    return {"errors": _messages(whole), "children": children}


def _messages(value) -> list[str]:
    if isinstance(value, dict):  # a nested serializer's errors: flattened
        return [message for inner in value.values() for message in _messages(inner)]
    if isinstance(value, list):
        return [message for inner in value for message in _messages(inner)]
    return [str(value)]
