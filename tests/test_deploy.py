"""Production start-up and the systemd units in deploy/."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from greenpin_admin.celery import QUEUES

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"

# Importing settings with every way of making a folder or reading .env turned into an error.
IMPORT_SETTINGS = """
import os, pathlib, environ
def refuse(*args, **kwargs):
    raise SystemExit("touched the file system: " + repr(args[:1]))
pathlib.Path.mkdir = refuse
os.mkdir = refuse
os.makedirs = refuse
environ.Env.read_env = classmethod(refuse)
import greenpin_admin.settings as s
print("ok", s.PRODUCTION, s.LOG_FORMAT)
"""


def _production_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PRODUCTION": "true",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "greenpin.example.com",
        **extra,
    }
    env.pop("LOG_FORMAT", None)
    return env


@pytest.mark.parametrize("broker", ["filesystem://", "redis://127.0.0.1:6379/0"])
def test_production_settings_read_no_env_file_and_make_no_folder(broker):
    env = _production_env(CELERY_BROKER_URL=broker)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "ok True json"


def test_development_still_reads_the_env_file():
    env = {**os.environ, "PRODUCTION": "false"}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "touched the file system" in result.stdout + result.stderr


def _exec_start(unit: str) -> str:
    text = (UNITS / unit).read_text()
    match = re.search(r"^ExecStart=(.*?)(?<!\\)$", text, flags=re.MULTILINE | re.DOTALL)
    assert match, unit
    return " ".join(match.group(1).replace("\\\n", " ").split())


def test_the_workers_together_consume_every_queue_the_tasks_are_sent_to():
    consumed = []
    for unit in ("greenpin-worker.service", "greenpin-sync-worker.service"):
        queues = re.search(r"--queues (\S+)", _exec_start(unit)).group(1)
        consumed += [q.removeprefix("${CELERY_QUEUE_PREFIX}") for q in queues.split(",")]
    assert sorted(consumed) == sorted({*QUEUES.values(), "celery"})
    assert len(consumed) == len(set(consumed))


def test_each_unit_runs_the_documented_command():
    assert _exec_start("greenpin-web.service").endswith(
        "gunicorn greenpin_admin.wsgi:application --bind ${WEB_BIND}"
    )
    assert "celery -A greenpin_admin beat" in _exec_start("greenpin-beat.service")
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/greenpin/greenpin.env" in text, unit.name
        assert "PartOf=greenpin.target" in text, unit.name
