"""`/api/schema/` (the OpenAPI document) and `/api/docs/` (a page of it for people, rendered
by the server: no script, no outside host, within the site's Content Security Policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
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


@dataclass
class Field:
    name: str
    type: str
    required: bool = False
    description: str = ""


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    responses: list[tuple[str, str, list[Field]]] = field(default_factory=list)

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

    def fields_of(node: dict[str, Any]) -> list[Field]:
        node = resolve(node)
        if node.get("type") == "array":
            node = resolve(node.get("items", {}))
        required = set(node.get("required", []))
        return [
            Field(name, type_of(prop), name in required, resolve(prop).get("description", ""))
            for name, prop in node.get("properties", {}).items()
        ]

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
                description=spec.get("description", ""),
            )
            for parameter in spec.get("parameters", []):
                operation.parameters.append(
                    Field(
                        f"{parameter['name']} ({parameter['in']})",
                        type_of(parameter.get("schema", {})),
                        bool(parameter.get("required")),
                        parameter.get("description", ""),
                    )
                )
            content = spec.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                operation.body = fields_of(content["application/json"]["schema"])
            for code, answer in spec.get("responses", {}).items():
                body = answer.get("content", {}).get("application/json", {}).get("schema")
                operation.responses.append(
                    (code, answer.get("description", ""), fields_of(body) if body else [])
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
            "operations": api_operations(schema),
            "scopes": ApiToken.Scope.choices,
        }
