"""The Procfiles start consumers for exactly the queues tasks are routed to, prefix and all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from greenpin_admin.celery import consumed_queues, route_task

ROOT = Path(__file__).resolve().parent.parent


def processes(procfile: str, environ: dict[str, str]) -> dict[str, str]:
    def expand(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"] or ""
        return environ.get(name, default)

    lines = (ROOT / procfile).read_text().splitlines()
    entries = dict(line.split(": ", 1) for line in lines if line.strip())
    pattern = re.compile(r"\$\{(?P<name>\w+)(?::-(?P<default>[^}]*))?\}")
    return {name: pattern.sub(expand, command) for name, command in entries.items()}


def queues_consumed(commands: dict[str, str]) -> set[str]:
    found = set()
    for command in commands.values():
        if match := re.search(r"--queues (\S+)", command):
            found.update(match[1].split(","))
    return found


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
@pytest.mark.parametrize("prefix", ["", "shop-a-"])
def test_every_routed_queue_has_a_consumer_with_the_prefix(settings, procfile, prefix):
    settings.CELERY_QUEUE_PREFIX = prefix
    commands = processes(procfile, {"CELERY_QUEUE_PREFIX": prefix})

    routed = {
        route_task(name, (), {}, {})["queue"]
        for name in (
            "calls.tasks.apply_call_event",
            "allocations.tasks.refresh_allocation",
            "allocations.tasks.refresh_allocations",
            "calls.tasks.pull_calls",
            "sync.tasks.run_sync_pass",
            "sync.tasks.purge_expired_data",
        )
    }

    assert routed | {f"{prefix}celery"} == queues_consumed(commands)
    assert set(consumed_queues()) == queues_consumed(commands)


def test_the_production_procfile_runs_no_stand_in_and_binds_where_told():
    commands = processes("Procfile", {"WEB_BIND": "0.0.0.0:9000"})

    assert set(commands) == {"web", "worker", "sync_worker", "beat"}
    assert "exotel_standin" not in (ROOT / "Procfile").read_text()
    assert "--bind 0.0.0.0:9000" in commands["web"]
