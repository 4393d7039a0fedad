"""SENTRY_DSN sends errors to Sentry, masked: tested against a local listener standing in for
Sentry's ingest endpoint."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from greenpin_admin.error_reports import mask_event

ROOT = Path(__file__).resolve().parent.parent

# A request to a view that fails, with a PIN and numbers in its message and local variables.
FAILING_PROCESS = """
import logging
import django
django.setup()
import sentry_sdk
from django.test import Client
from django.urls import path
from greenpin_admin import urls

def failing_view(request):
    pin = "4821"
    customer_number = "+919812345678"
    note = "customer 98123 45678 asked about PIN 4821"
    raise RuntimeError(f"lookup for +919812345678 failed (pin {pin})")

urls.urlpatterns.append(path("boom/", failing_view))
from django.contrib.auth.models import User
client = Client(raise_request_exception=False)
client.force_login(User.objects.create_user("agent", password="x"))
response = client.get("/boom/?phone=9812345678")
print("status", response.status_code)
sentry_sdk.flush(timeout=10)
"""


class _Sentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # pragma: no cover - only when brotli is installed
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sentry_listener():
    _Sentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_an_error_arrives_at_sentry_without_a_pin_or_full_number(sentry_listener, tmp_path):
    port = sentry_listener.server_address[1]
    env = {
        **os.environ,
        "SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42",
        "DJANGO_SETTINGS_MODULE": "greenpin_admin.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "-c", FAILING_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "status 500" in result.stdout

    envelopes = b"\n".join(_Sentry.received).decode()
    events = [
        json.loads(line)
        for line in envelopes.splitlines()
        if line.startswith("{") and '"exception"' in line
    ]
    assert events, envelopes[:2000]
    event = json.dumps(events)
    assert "RuntimeError" in event
    assert "failed" in event
    assert "/boom/" in event
    assert "45678" not in event.replace("XXXXX X5678", "")  # masked, last digits only
    assert "9812345678" not in event
    assert "98123 45678" not in event
    assert "4821" not in event
    assert "sessionid" not in event


def test_masking_reaches_every_string_of_an_event():
    event = {
        "message": "call +919812345678",
        "extra": {"nested": ["PIN: 4821", {"deep": "98123-45678"}]},
        "level": 40,
    }
    masked = json.dumps(mask_event(event, {}))
    assert "4821" not in masked
    assert "9812345678" not in masked
    assert "98123-45678" not in masked
    assert "678" in masked
