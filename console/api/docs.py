"""`/api/schema/` (the OpenAPI document) and `/api/docs/` (a page of it for people, rendered
by the server: no script, no outside host, within the site's Content Security Policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from ..models import ApiToken
from .authentication import BearerTokenAuthentication

METHODS = ("get", "post", "put", "patch", "delete")


class TokenOrLogin(BasePermission):
    """Any active token (whatever its scopes) or a console login."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken) or bool(request.user.is_authenticated)


@method_decorator(login_not_required, name="dispatch")
class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3 document, as JSON: for an integration holding a token, or a person
    logged in to the console."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [TokenOrLogin]
    throttle_scope = "read"


def _inline_code(text: str) -> SafeString:
    """The document's `code` spans as <code>, everything else escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no code span at all
        return format_html("{}", text)
    pieces = (
        format_html("<code>{}</code>", part) if index % 2 else part
        for index, part in enumerate(parts)
    )
    return format_html_join("", "{}", ((piece,) for piece in pieces))


@dataclass
class Field:
    name: str
    type: str
    required: bool = False
    description: SafeString | str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: SafeString
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, SafeString, list[Field]]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "")


@cache
def api_schema() -> dict[str, Any]:
    """The document the schema URL serves (it depends on the code alone: built once)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def api_operations(schema: dict[str, Any]) -> list[Operation]:
    """Every operation of `schema`, its parameters, body and answers, in the document's order."""
    components = schema.get("components", {}).get("schemas", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        return node

    def type_of(node: dict[str, Any]) -> str:
        node = resolve(node)
        if "allOf" in node:
            return " & ".join(type_of(part) for part in node["allOf"])
        if "enum" in node:
            return " | ".join(str(value) for value in node["enum"] if value not in ("", None))
        kind = str(node.get("type", "object"))
        if kind == "array":
            return f"list of {type_of(node.get('items', {}))}"
        if node.get("format"):
            kind += f" ({node['format']})"
        return kind + (" or null" if node.get("nullable") else "")

    def fields_of(node: dict[str, Any], prefix: str = "", depth: int = 0) -> list[Field]:
        """The fields of an object (or of each item of a list), the fields of nested objects
        after theirs as `outer[].inner`."""
        node = resolve(node)
        if node.get("type") == "array":
            node = resolve(node.get("items", {}))
        required = set(node.get("required", []))
        fields = []
        for name, prop in node.get("properties", {}).items():
            described = {**resolve(prop), **prop}  # a description beside a $ref wins
            fields.append(
                Field(
                    prefix + name,
                    type_of(prop),
                    name in required,
                    _inline_code(described.get("description", "")),
                )
            )
            inner = resolve(prop)
            if inner.get("type") == "array":
                inner = resolve(inner.get("items", {}))
            if "properties" in inner and depth < 2:
                fields += fields_of(prop, f"{prefix}{name}[].", depth + 1)
        return fields

    operations = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            spec = item[method]
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=spec.get("summary", ""),
                description=_inline_code(spec.get("description", "")),
            )
            for parameter in spec.get("parameters", []):
                operation.parameters.append(
                    Field(
                        f"{parameter['name']} ({parameter['in']})",
                        type_of(parameter.get("schema", {})),
                        bool(parameter.get("required")),
                        _inline_code(parameter.get("description", "")),
                    )
                )
            content = spec.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                operation.body = fields_of(content["application/json"]["schema"])
            for code, answer in spec.get("responses", {}).items():
                body = answer.get("content", {}).get("application/json", {}).get("schema")
                operation.responses.append(
                    (
                        code,
                        _inline_code(answer.get("description", "")),
                        fields_of(body) if body else [],
                    )
                )
            operations.append(operation)
    return operations


class ApiDocsView(TemplateView):
    """The API's page for people: what each endpoint takes and answers, from the same
    document `/api/schema/` serves. For anyone logged in to the console."""

    template_name = "console/api_docs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        schema = api_schema()
        return {
            **super().get_context_data(**kwargs),
            "info": schema.get("info", {}),
            "description": _inline_code(schema.get("info", {}).get("description", "")),
            "operations": api_operations(schema),
            "scopes": ApiToken.Scope.choices,
        }
