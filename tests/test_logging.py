"""Logs: one JSON object per line with the request, user and task each line belongs to, the
same in web and Celery processes, with tracebacks for failures a task swallows and no secret."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from calls.models import CallEvent
from greenpin_admin.logs import ContextFilter, JsonFormatter
from tests.logscan import Sensitive, leaks

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def json_lines():
    """What the application logs during the test, as the production JSON handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)


@pytest.mark.django_db
def test_a_line_logged_in_a_request_carries_its_request_id_and_user(staff_client, json_lines):
    response = staff_client.get("/allocations/gp_nowhere/", HTTP_X_REQUEST_ID="req-123")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-123"
    line = next(line for line in json_lines() if line["logger"] == "django.request")
    assert line["level"] == "WARNING"
    assert line["request_id"] == "req-123"
    user_id = staff_client.session["_auth_user_id"]
    assert str(line["user_id"]) == user_id
    assert line["time"].startswith("20")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offered",
    ['x"}\n{"level": "CRITICAL"', "a" * 65, "id with spaces", "<script>", "\u202eevil"],
)
def test_a_forged_request_id_is_replaced_by_a_fresh_one(client, offered):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=offered)
    assert response.status_code in (200, 503)
    assert response["X-Request-ID"] != offered
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_a_failure_a_task_swallows_is_logged_with_its_traceback_and_task(
    json_lines, eager_celery, monkeypatch
):
    from calls import tasks

    event = CallEvent.objects.create(
        call_sid="CA1", payload={"CallSid": "CA1"}, fingerprint="f1", shape="voice"
    )

    def explode(*, event):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks, "call_event_apply", explode)
    result = tasks.apply_call_event.delay(event.pk)

    assert result.get().startswith("failed")
    line = next(line for line in json_lines() if line["logger"] == "calls.tasks")
    assert line["level"] == "ERROR"
    assert "RuntimeError: the database went away" in line["exc_info"]
    assert line["task_name"] == "calls.tasks.apply_call_event"
    assert line["task_id"] == result.id


@pytest.mark.django_db
def test_the_webhook_secret_never_reaches_a_log_line(client, settings, json_lines):
    settings.EXOTEL_WEBHOOK_SECRET = "s3cret-path"
    response = client.post(
        "/webhooks/exotel/s3cret-path/",
        "Status=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    lines = json_lines()
    assert any(line["logger"] == "django.request" for line in lines)
    assert "s3cret-path" not in json.dumps(lines)


@pytest.mark.django_db
def test_exotel_requests_are_logged_with_their_api_and_outcome(standin, json_lines):
    from allocations.services import allocation_refresh
    from tests.factories import AllocationFactory

    allocation_refresh(allocation=AllocationFactory(greenpin_id="gp_gone"))  # unknown: a 404

    line = next(line for line in json_lines() if line.get("exotel_api"))
    assert (line["exotel_api"], line["exotel_outcome"]) == ("greenpin", "not_found")


def test_celery_processes_log_json_through_djangos_logging():
    """A worker or beat sets up logging through Celery's signal: the same JSON lines."""
    script = (
        "import logging; from greenpin_admin.celery import app; import django; django.setup(); "
        "app.log.setup(loglevel='INFO'); logging.getLogger('calls.tasks').warning('hello')"
    )
    env = {**os.environ, "LOG_FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "calls.tasks", "hello")


def test_the_log_search_finds_pins_numbers_and_secrets_in_any_form():
    sensitive = Sensitive()
    sensitive.saw(pin="0482", numbers=["+919900012345"])
    lines = [
        '{"message": "refresh failed: pin 0482"}',
        '{"message": "from 9900012345"}',
        '{"message": "from 99000 12345"}',
        '{"message": "token xb-test-token"}',
        '{"time": "2026-04-82T00:00:00", "message": "took 10482 ms, id gp_0482x"}',
        '{"message": "at 12:04:82.0482"}',
    ]
    assert leaks(lines, sensitive, ["xb-test-token"]) == lines[:4]


def test_under_debug_django_writes_no_second_unfiltered_line(tmp_path):
    script = (
        "import django; django.setup(); from django.test import Client; "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "Client().post('/webhooks/exotel/wrong-secret/')"
    )
    env = {
        **os.environ,
        "DEBUG": "true",
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "greenpin_admin.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "EXOTEL_WEBHOOK_SECRET": "right-secret",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["message"] == "Forbidden: /webhooks/exotel/…/"
