"""OpenAPI generation: error responses, CSV bodies and parameter examples on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from libya.desk.api.serializers import ErrorSerializer

ERRORS = {
    "400": "Invalid parameter; `errors` names each one at fault.",
    "404": "No such record, or an unknown `format`.",
    "406": "The Accept header asks for a format not offered.",
    "429": "Too many requests; retry after the number of seconds in Retry-After.",
    "500": "Server error.",
    "503": "The database is unavailable; retry after the seconds in Retry-After.",
    "504": "A query took too long and was cancelled; narrow the request.",
}
NOT_MODIFIED = (
    "Not modified: the ETag sent in If-None-Match still matches the body (no body is sent)."
)
WRITE_ERRORS = {
    "401": "No API key, or an unknown, revoked or expired one.",
    "403": "The key's user may not make this change (only Editors write).",
    "409": "The change conflicts with other records (a duplicate, or rows that refer to it).",
    "413": "The body is larger than the server accepts (2.5 MB).",
    "415": "The body is not JSON: send it as application/json.",
    "412": "If-Match names a version that is no longer current: GET the record and retry.",
    "422": "This Idempotency-Key was already used for a different request.",
    "428": "If-Match is required: send the ETag of the version you change.",
}
WRITES = {"create", "partial_update", "destroy"}
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="The ETag of the version this request changes, as the last GET or write "
    "answered it. Without it: 428; with a stale one: 412.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A unique string per intended creation (1 to 255 characters). A retry with "
    "the same key and body is answered the first answer again and creates nothing.",
)


class APIKeyScheme(OpenApiAuthenticationExtension):
    """The API-key header, for the operations that write (reads need no key)."""

    target_class = "libya.desk.api.keys.APIKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`, as printed by `manage.py apikey create`. "
            "The key acts for its user: Editors write, other users read.",
        }


# Components of list rows, which the `fields` parameter trims.
TRIMMED_ROWS = ["Actor", "Article", "Event", "Claim"]


# PostgreSQL text cannot hold NUL, so every API view refuses it in a query string (400).
NUL_FREE = "^[^\u0000]*$"


def query_strings_are_nul_free(result: dict, **kwargs) -> dict:
    """Postprocessing hook: free-text query parameters declare that NUL is refused, and
    list parameters that they are not empty."""
    for path in result["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    _non_empty_list(parameter["schema"])
                    _nul_free(parameter["schema"])
    return result


# Items of a list parameter are separated by commas, so none can hold one.
LIST_ITEM = "^[^\u0000,]*$"


def _non_empty_list(schema: dict) -> None:
    """A list parameter has items, none of them empty (``?kind=`` is a 400)."""
    if schema.get("type") == "array" and "enum" not in schema["items"]:
        schema["minItems"] = 1
        schema["items"].update(pattern=LIST_ITEM, minLength=1)
    elif schema.get("type") == "array":
        schema["minItems"] = 1


def _nul_free(schema: dict) -> None:
    free_text = schema.get("type") == "string" and not {"enum", "pattern", "format"} & set(schema)
    if free_text:
        schema["pattern"] = NUL_FREE


def list_rows_have_no_required_property(result: dict, **kwargs) -> dict:
    """Postprocessing hook: any property of a list row may be left out by `fields`."""
    schemas = result["components"]["schemas"]
    for name in TRIMMED_ROWS:
        schemas[name].pop("required", None)
    return result


# What a link from a POST's 201 carries to each operation on the new record.
FOLLOW_UPS = {"get": "Read", "patch": "Change", "delete": "Delete"}


def creations_link_to_their_record(result: dict, **kwargs) -> dict:
    """Postprocessing hook: each POST's 201 links to the GET, PATCH and DELETE of its record.

    The record's key comes from the body (`slug`, or `id` where the URL takes one) and
    If-Match from the ETag header, so that clients, and the stateful phase of the
    schema fuzzing, can follow a creation to the changes it allows.
    """
    paths = result["paths"]
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        for detail_path, detail in paths.items():
            lookup = _detail_lookup(path, detail_path)
            if lookup is None:
                continue
            links = created.setdefault("links", {})
            for method, verb in FOLLOW_UPS.items():
                if method not in detail:
                    continue
                parameters = {f"path.{lookup}": f"$response.body#/{lookup}"}
                if method != "get":
                    parameters["header.If-Match"] = "$response.header.ETag"
                links[f"{verb}Created"] = {
                    "operationId": detail[method]["operationId"],
                    "parameters": parameters,
                    "description": f"{method.upper()} the record this request created.",
                }
    return result


def _detail_lookup(collection: str, path: str) -> str | None:
    """`slug` for `/api/v1/actors/{slug}/` under `/api/v1/actors/`, else None."""
    rest = path.removeprefix(collection)
    if rest == path or not (rest.startswith("{") and rest.endswith("}/")):
        return None
    name = rest[1:-2]
    return name if "/" not in name and "{" not in name else None


class DeskAutoSchema(AutoSchema):
    """AutoSchema that declares the JSON error bodies and the CSV alternative of list bodies."""

    def writes(self) -> bool:
        return getattr(self.view, "action", None) in WRITES

    def get_request_serializer(self):
        if self.writes() and self.view.action != "destroy":
            return self.view.input_serializer_class
        return super().get_request_serializer()

    def get_response_serializers(self):
        if self.writes() and self.view.action != "destroy":
            view = self.view
            return getattr(view, "detail_serializer_class", None) or view.input_serializer_class
        return super().get_response_serializers()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # What a write sends: a text field that may not be blank says so (minLength).
        writable = self.writes() and direction == "request" and not field.read_only
        if writable and isinstance(field, serializers.CharField) and not field.allow_blank:
            schema.setdefault("minLength", 1)
        return schema

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        action = getattr(self.view, "action", None)
        if action in {"partial_update", "destroy"}:
            parameters.append(IF_MATCH)
        elif action == "create":
            parameters.append(IDEMPOTENCY_KEY)
        return parameters

    def get_auth(self) -> list:
        # Reads are anonymous; only writes declare the key.
        return super().get_auth() if self.writes() else []

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        errors = ERRORS | WRITE_ERRORS if self.writes() else ERRORS
        for code, description in errors.items():
            body = self._get_response_for_code(ErrorSerializer, code, ["application/json"])
            responses.setdefault(code, {**body, "description": description})
        if not self.writes():
            responses.setdefault("304", {"description": NOT_MODIFIED})
        return responses

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        content = response.get("content", {})
        if "text/csv" in content:
            content["text/csv"] = {
                "schema": {"type": "string", "description": "CSV, one row per line."}
            }
        return response

    def _get_response_headers_for_code(self, status_code, direction="response") -> dict:
        headers = super()._get_response_headers_for_code(status_code, direction)
        if self.writes() and str(status_code) in {"200", "201"}:
            headers["ETag"] = {
                "schema": {"type": "string"},
                "description": "The new version's ETag: send it as If-Match to change it again.",
            }
        if self.writes() and str(status_code) == "201":
            headers["Location"] = {
                "schema": {"type": "string", "format": "uri"},
                "description": "The new record's address.",
            }
        if str(status_code) in {"429", "503"}:
            headers["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before retrying.",
            }
        return headers

    def _get_format_parameters(self) -> list[dict]:
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            parameter["description"] = (
                "csv streams every matching row as CSV (as does Accept: text/csv); "
                "references become slugs and lists are joined with ;. A cell that starts "
                "with =, +, -, @, a tab or a carriage return is prefixed with ' so that "
                "spreadsheets show it as text (CSV injection)."
            )
            parameter["example"] = "csv"
        return parameters

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict]:
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            parameter["description"] = "Slug of the record (id for claims)."
            if example := getattr(self.view, "lookup_example", None):
                parameter["example"] = example
        return parameters

    def _get_filter_parameters(self) -> list[dict]:
        parameters = super()._get_filter_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        examples = getattr(filterset, "examples", {})
        for parameter in parameters:
            if parameter["name"] in examples:
                parameter.setdefault("example", examples[parameter["name"]])
        return parameters
