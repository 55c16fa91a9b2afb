"""Errors the model layer raises, answered like DRF's own: never a 500."""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from tracking.models import Locked


class TooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def field_errors(error: DjangoValidationError):
    """A model's ValidationError as DRF field errors (``{"field": ["message"]}``)."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


def exception_handler(exc, context):
    """A locked entry or invoice answers 409 with the model's own message; any other
    ValidationError from a model's ``save``/``delete`` answers 400; a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE answers 413, in JSON like every other answer."""
    if isinstance(exc, RequestDataTooBig):  # Django would answer with its HTML page
        exc = TooLarge(
            f"The request body is too large: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} "
            "bytes."
        )
    elif isinstance(exc, Locked):
        exc = Conflict(exc.messages[0])
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(field_errors(exc))
    return drf_exception_handler(exc, context)
