"""The OpenAPI document and its page: served by the project, to a token or a login, and the
page within the site's Content Security Policy (no script, no style of its own, no CDN)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("post", "/api/v1/allocations/track/"),
    ("get", "/api/v1/allocations/"),
    ("get", "/api/v1/allocations/{greenpin_id}/"),
    ("get", "/api/v1/calls/{sid}/"),
}


def test_the_schema_is_openapi_3_with_every_operation_and_the_bearer_scheme(api_as):
    response = api_as("track").get("/api/schema/")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    found = {(m, path) for path, item in schema["paths"].items() for m in item}
    assert found == OPERATIONS
    assert schema["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path, item in schema["paths"].items():
        for spec in item.values():
            assert {"401", "403", "429"} <= set(spec["responses"]), path


def test_the_schema_needs_a_token_or_a_login(staff_client):
    assert Client().get("/api/schema/").status_code == 401
    assert staff_client.get("/api/schema/").status_code == 200


def test_the_docs_page_lists_every_operation_for_a_person_logged_in(staff_client):
    response = staff_client.get("/api/docs/")

    assert response.status_code == 200
    body = response.content.decode()
    for method, path in OPERATIONS:
        assert f"{method.upper()} {path}" in body
    for words in ("greenpin_ids", "order_id", "already_tracked", "Retry-After", "reveal"):
        assert words in body


def test_the_docs_page_needs_a_login():
    response = Client().get("/api/docs/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_docs_page_keeps_to_the_content_security_policy(staff_client):
    response = staff_client.get("/api/docs/")
    body = response.content.decode()

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", body)  # only the site's own file
    assert "<style" not in body
    assert " style=" not in body
    assert not re.search(r"""(?:src|href)=["']https?://""", body)  # nothing from elsewhere
