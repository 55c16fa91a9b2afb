"""What drf-spectacular cannot see for itself: the bearer token and the error answers.

The schema is tested against the running API (schemathesis), so every answer the API can
give must be written here or on its view.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from api.authentication import BearerTokenAuthentication

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {"field": ["message", …]}; "non_field_errors" for the whole request.
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": True,
    "description": "Messages by field name.",
}
ERRORS = {
    "400": ("Invalid input: messages by field.", "FieldErrors"),
    "401": ("No token, or a wrong, expired or revoked one.", "Detail"),
    "403": ("A read-only token writing, or staff only.", "Detail"),
    "404": ("Not found (or someone else's).", "Detail"),
    "409": ("Not possible in the current state (a locked entry, no timer).", "Detail"),
    "429": ("Too many requests: wait as many seconds as Retry-After says.", "Detail"),
}
WRITES = {"post", "patch", "put", "delete"}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        scheme = "Bearer"
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=scheme
        )


def _error(description, component):
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def add_error_responses(result, generator, request, public):
    """Every operation can answer 400, 401, 403, 404, 409 and 429 (postprocessing hook)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Detail"] = DETAIL
    schemas["FieldErrors"] = FIELD_ERRORS
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, (description, component) in ERRORS.items():
                if code == "409" and method not in WRITES:
                    continue
                if code == "404" and "{" not in path and method not in WRITES:
                    continue
                answer = responses.setdefault(code, _error(description, component))
                answer.setdefault("content", _error(description, component)["content"])
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}
                }
    return result
