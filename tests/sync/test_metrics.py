"""GET /metrics: Prometheus text for a scraper holding METRICS_TOKEN, nothing for anyone else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from allocations.models import AllocationStatus
from allocations.services import allocation_refresh
from exotel.models import ProviderState
from sync.services import sync_pass
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "metrics-test-token"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape() -> dict[tuple[str, tuple], float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return scrape


def test_without_a_token_setting_there_is_no_metrics_page(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        f"bearer {TOKEN}",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN}\u00e9",
        "Bearer " + "A" * 10_000,
    ],
    ids=["none", "empty", "no-token", "wrong", "lowercase", "basic", "longer", "non-ascii", "huge"],
)
def test_anything_but_the_token_is_refused(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert b"greenpin_" not in response.content


def test_the_backlog_is_read_from_the_database_at_scrape_time(scrape):
    now = timezone.now()
    AllocationFactory.create_batch(3, next_sync_at=now - timedelta(minutes=1))
    AllocationFactory(
        status=AllocationStatus.ACTIVE,
        last_synced_at=now - timedelta(minutes=30),
        next_sync_at=now + timedelta(hours=1),
    )
    ProviderState.objects.filter(api="calls").update(circuit_open_until=now + timedelta(minutes=1))

    metrics = scrape()

    assert metrics[("greenpin_allocations_due", ())] == 3
    assert metrics[("greenpin_calls_due", ())] == 0
    assert 1799 <= metrics[("greenpin_stalest_active_allocation_age_seconds", ())] < 1900
    assert metrics[("greenpin_exotel_circuit_open", (("api", "calls"),))] == 1
    assert metrics[("greenpin_exotel_circuit_open", (("api", "greenpin"),))] == 0
    assert metrics[("greenpin_queue_length", (("queue", "events"),))] >= 0


def test_exotel_requests_are_counted_by_api_and_outcome(scrape, standin):
    standin.add_allocation(greenpin_id="gp_here")
    key_ok = ("greenpin_exotel_requests_total", (("api", "greenpin"), ("outcome", "ok")))
    key_404 = ("greenpin_exotel_requests_total", (("api", "greenpin"), ("outcome", "not_found")))
    before = scrape()

    allocation_refresh(allocation=AllocationFactory(greenpin_id="gp_here"))
    allocation_refresh(allocation=AllocationFactory(greenpin_id="gp_gone"))
    after = scrape()

    assert after[key_ok] - before.get(key_ok, 0) == 1
    assert after[key_404] - before.get(key_404, 0) == 1
    assert after[("greenpin_exotel_budget_used", ())] == 2


def test_webhook_deliveries_are_counted_by_outcome(scrape, client, settings):
    settings.EXOTEL_WEBHOOK_SECRET = "hook"
    accepted = ("greenpin_webhook_deliveries_total", (("outcome", "accepted"),))
    duplicate = ("greenpin_webhook_deliveries_total", (("outcome", "duplicate"),))
    forbidden = ("greenpin_webhook_deliveries_total", (("outcome", "forbidden"),))
    before = scrape()
    body = "CallSid=CA123&Status=completed&EventType=terminal&DateUpdated=2024-06-15 10:00:00"
    form = "application/x-www-form-urlencoded"

    assert client.post("/webhooks/exotel/hook/", body, content_type=form).status_code == 200
    assert client.post("/webhooks/exotel/hook/", body, content_type=form).status_code == 200
    assert client.post("/webhooks/exotel/nope/", body, content_type=form).status_code == 403
    after = scrape()

    assert after[accepted] - before.get(accepted, 0) == 1
    assert after[duplicate] - before.get(duplicate, 0) == 1
    assert after[forbidden] - before.get(forbidden, 0) == 1
    assert after[("greenpin_call_events_unapplied", ())] == 1


def test_sync_passes_are_counted_and_timed(scrape, standin):
    completed = ("greenpin_sync_passes_total", (("outcome", "completed"),))
    timed = ("greenpin_sync_pass_duration_seconds_count", ())
    before = scrape()

    sync_pass()
    after = scrape()

    assert after[completed] - before.get(completed, 0) == 1
    assert after[timed] - before.get(timed, 0) == 1
    assert after[("greenpin_sync_last_completed_pass_age_seconds", ())] < 60


def test_in_multiprocess_mode_every_process_is_counted(tmp_path):
    """gunicorn's workers and Celery's prefork children each count; a scrape adds them up."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = (
        "import django; django.setup(); from sync.metrics import webhook_delivery_observed; "
        "webhook_delivery_observed('accepted')"
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True)
    scrape = (
        "import django; django.setup(); from prometheus_client import generate_latest; "
        "from sync.metrics_export import process_counters; "
        "print(generate_latest(process_counters()).decode())"
    )
    env["DJANGO_SETTINGS_MODULE"] = "greenpin_admin.settings"
    shown = subprocess.run(
        [sys.executable, "-c", scrape],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert 'greenpin_webhook_deliveries_total{outcome="accepted"} 2.0' in shown.stdout
