from __future__ import annotations

import pytest
from django.test import Client

from console.api.services import api_token_create


class Api:
    """A client of the API holding one token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def get(self, path: str, **extra):
        return self.client.get(path, **{**self.headers, **extra})

    def post(self, path: str, body, content_type: str = "application/json", **extra):
        return self.client.generic(
            "POST", path, body, content_type=content_type, **{**self.headers, **extra}
        )

    def track(self, body):
        import json

        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.post("/api/v1/allocations/track/", data)


@pytest.fixture
def api_as():
    """`api_as("track", "read")`: an API client with a new token of these scopes."""

    def make(*scopes: str, name: str = "order-system") -> Api:
        _, token = api_token_create(name=name, scopes=scopes)
        return Api(token)

    return make


@pytest.fixture
def queued(monkeypatch):
    """The allocation IDs handed to the workers, instead of a broker."""
    handed: list[int] = []
    monkeypatch.setattr(
        "allocations.services.allocation_queue_refresh",
        lambda *, allocation_ids: handed.extend(allocation_ids),
    )
    return handed
