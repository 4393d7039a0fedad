"""`manage.py track` and `manage.py sync`: what each outcome leaves in the row and exit code."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from allocations.models import Allocation, AllocationStatus
from allocations.services import allocation_track

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_track_fetches_each_id_and_prints_one_line_each(standin):
    standin.add_allocation(greenpin_id="gp_1", pin="0482")
    standin.add_allocation(greenpin_id="gp_2")

    code, out = run("track", "gp_1", "gp_2")

    assert code == 0
    assert out.splitlines() == ["gp_1: active", "gp_2: active"]
    assert Allocation.objects.get(greenpin_id="gp_1").pin == "0482"


def test_track_reads_ids_from_a_file(standin, tmp_path):
    for n in range(3):
        standin.add_allocation(greenpin_id=f"gp_{n}")
    ids = tmp_path / "ids.txt"
    ids.write_text("gp_0\n# a comment\n\ngp_1  # trailing comment\ngp_2\n")

    code, out = run("track", "--file", str(ids))

    assert code == 0
    assert len(out.splitlines()) == 3
    assert Allocation.objects.filter(status=AllocationStatus.ACTIVE).count() == 3


@pytest.mark.parametrize(
    ("script", "exit_code", "status", "error_kind"),
    [
        ([], 0, AllocationStatus.ACTIVE, ""),
        ([{"status": 403}], 1, AllocationStatus.PENDING, "forbidden"),
        ([{"status": 404}], 1, AllocationStatus.MISSING, "not_found"),
        ([{"status": 500}] * 3, 1, AllocationStatus.PENDING, "server_error"),
        ([{"status": 500}, {"status": 502}], 0, AllocationStatus.ACTIVE, ""),
        ([{"status": 429, "retry_after": 1}], 0, AllocationStatus.ACTIVE, ""),
        ([{"status": 429, "retry_after": 3600}], 1, AllocationStatus.PENDING, "rate_limited"),
        ([{"body": "malformed"}] * 3, 1, AllocationStatus.PENDING, "bad_response"),
        ([{"body": "truncated"}] * 3, 1, AllocationStatus.PENDING, "bad_response"),
        ([{"status": 502, "body": "html"}] * 3, 1, AllocationStatus.PENDING, "server_error"),
        ([{"delay": 1.5}] * 3, 1, AllocationStatus.PENDING, "timeout"),
    ],
    ids=[
        "200",
        "403",
        "404",
        "500-thrice",
        "500-then-ok",
        "429-short",
        "429-long",
        "malformed",
        "truncated",
        "html-502",
        "timeout",
    ],
)
def test_track_outcome_for_each_answer(standin, settings, script, exit_code, status, error_kind):
    settings.EXOTEL_MAX_RETRY_AFTER = 5
    settings.EXOTEL_READ_TIMEOUT = 0.5
    standin.add_allocation(greenpin_id="gp_1")
    if script:
        standin.script("gp_1", script)

    code, out = run("track", "gp_1")

    allocation = Allocation.objects.get(greenpin_id="gp_1")
    assert code == exit_code
    assert allocation.status == status
    assert allocation.last_sync_error_kind == error_kind
    assert out.startswith("gp_1: ")
    assert ("FAILED" in out) == bool(error_kind)


def test_a_401_stops_track_at_the_first_request_and_changes_no_row(standin, settings):
    for n in range(3):
        standin.add_allocation(greenpin_id=f"gp_{n}")
    settings.EXOTEL_EXOBRIDGE_TOKEN = "wrong"

    code, out = run("track", "gp_0", "gp_1", "gp_2")

    assert code == 1
    assert standin.counts()["by_endpoint"]["greenpin.get"] == 1
    assert "stopped" in out
    assert set(Allocation.objects.values_list("status", "last_sync_error", "sync_failures")) == {
        (AllocationStatus.PENDING, "", 0)
    }


def test_sync_refreshes_what_is_due_and_summarises(standin):
    for n in range(5):
        standin.add_allocation(greenpin_id=f"gp_{n}")
    allocation_track(greenpin_ids=[f"gp_{n}" for n in range(5)] + ["gp_gone"])

    code, out = run("sync")

    assert code == 0
    assert "5 allocations refreshed, 1 failed;" in out
    assert "gp_gone: FAILED (not_found)" in out
    code, out = run("sync")
    assert "0 allocations refreshed, 0 failed;" in out


def test_a_401_stops_sync_after_one_request(standin, settings):
    for n in range(4):
        standin.add_allocation(greenpin_id=f"gp_{n}")
    allocation_track(greenpin_ids=[f"gp_{n}" for n in range(4)])
    standin.script("*", [{"status": 401}])

    code, out = run("sync")

    assert code == 1
    assert "STOPPED" in out
    assert standin.counts()["total"] == 1
    assert not Allocation.objects.exclude(status=AllocationStatus.PENDING).exists()


def test_track_waits_for_the_budget_instead_of_giving_up(standin, settings, tmp_path):
    # 30 requests per 2 s window stands for 30 a minute; the wait for the next window is
    # longer than a worker would wait, as a minute is.
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 900
    settings.EXOTEL_RATE_LIMIT_WINDOW = 2
    settings.EXOTEL_RATE_LIMIT_MARGIN = 0.1
    settings.EXOTEL_MAX_RETRY_AFTER = 0.5
    ids = [f"gp_pace{n:02d}" for n in range(45)]
    for greenpin_id in ids:
        standin.add_allocation(greenpin_id=greenpin_id)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("\n".join(ids))
    out, err = io.StringIO(), io.StringIO()

    try:
        call_command("track", "--file", str(ids_file), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)

    assert code == 0, out.getvalue()
    assert Allocation.objects.filter(status=AllocationStatus.ACTIVE).count() == 45
    times = sorted(r["t"] for r in standin.requests() if "gp_pace" in r["path"])
    assert len(times) == 45
    assert max(sum(1 for t in times if start <= t < start + 2.0) for start in times) <= 30
    assert "waiting for Exotel's rate limit: " in err.getvalue()


def test_ctrl_c_while_waiting_for_the_budget_stops_cleanly(standin, settings, monkeypatch):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 2
    settings.EXOTEL_MAX_RETRY_AFTER = 0.5
    for n in range(4):
        standin.add_allocation(greenpin_id=f"gp_int{n}")

    def ctrl_c(seconds: float) -> None:
        raise KeyboardInterrupt

    # Ctrl-C lands while the command sleeps, waiting for the budget.
    monkeypatch.setattr("exotel.coordination.time", SimpleNamespace(sleep=ctrl_c))

    code, out = run("track", "gp_int0", "gp_int1", "gp_int2", "gp_int3")

    assert code == 130
    assert "interrupted: 2 of 4 fetched" in out
    assert Allocation.objects.filter(status=AllocationStatus.ACTIVE).count() == 2
    # The other two stay tracked, unclaimed and unmarked: the next sync fetches them.
    assert set(
        Allocation.objects.exclude(status=AllocationStatus.ACTIVE).values_list(
            "status", "last_sync_error", "claimed_by"
        )
    ) == {(AllocationStatus.PENDING, "", "")}


def test_sync_waits_for_the_budget_and_finishes(standin, settings):
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 150
    settings.EXOTEL_RATE_LIMIT_WINDOW = 2
    settings.EXOTEL_RATE_LIMIT_MARGIN = 0.1
    settings.EXOTEL_MAX_RETRY_AFTER = 0.5
    for n in range(8):
        standin.add_allocation(greenpin_id=f"gp_spc{n}")
    allocation_track(greenpin_ids=[f"gp_spc{n}" for n in range(8)])

    code, out = run("sync")

    assert code == 0, out
    assert "8 allocations refreshed, 0 failed" in out
    assert standin.busiest_window("greenpin.get", 2.0) <= 5
