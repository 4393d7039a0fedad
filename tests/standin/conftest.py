"""Fixtures for the Exotel stand-in's own tests (no Django needed)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest
import requests

from exotel_standin import StandIn

ACCOUNT, XB_TOKEN, API_KEY, API_TOKEN = "ACtest", "xb-secret", "key", "tok"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """A stand-in on a free port, stopped afterwards."""
    s = StandIn(
        account_sid=ACCOUNT, exobridge_token=XB_TOKEN, api_key=API_KEY, api_token=API_TOKEN
    ).start()
    yield s
    s.stop()


@pytest.fixture
def gp(standin: StandIn) -> Iterator[requests.Session]:
    """Session with the GreenPin (ExoBridge) credentials."""
    with requests.Session() as session:
        session.auth = (ACCOUNT, XB_TOKEN)
        yield session


@pytest.fixture
def voice(standin: StandIn) -> Iterator[requests.Session]:
    """Session with the Call API credentials."""
    with requests.Session() as session:
        session.auth = (API_KEY, API_TOKEN)
        yield session


@dataclass
class Receiver:
    """A webhook endpoint that records every POST: (content type, parsed body)."""

    url: str
    events: list[tuple[str, dict]] = field(default_factory=list)
    attempts: int = 0
    fail_first: int = 0  # answer 500 to this many POSTs before accepting
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[tuple[str, dict]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.events) >= n:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"got {len(self.events)} events, wanted {n}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A tiny local HTTP server standing in for the project's webhook."""
    rec = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            ctype = self.headers.get("Content-Type", "")
            with rec.lock:
                rec.attempts += 1
                failing = rec.attempts <= rec.fail_first
                if not failing:
                    parsed = json.loads(body) if "json" in ctype else dict(parse_qsl(body))
                    rec.events.append((ctype, parsed))
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/webhooks/exotel/s3cret/"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()
