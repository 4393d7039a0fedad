"""A real Celery worker, consuming from Redis, turns a webhook delivery into a pulled, linked
call without anyone running `sync`. Needs PostgreSQL and Redis (CI's first pass): the worker
is another process and must share the test database and the broker."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from calls.models import Call, LinkState
from greenpin_admin.celery import app
from tests.conftest import ACCOUNT_SID, API_KEY, API_TOKEN, EXOBRIDGE_TOKEN

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _needs_shared_services():
    shared = connection.vendor == "postgresql" and django_settings.CELERY_BROKER_URL.startswith(
        "redis://"
    )
    if not shared:
        message = "needs DATABASE_URL=postgres://… and CELERY_BROKER_URL=redis://…"
        if os.environ.get("CI") and os.environ.get("REQUIRE_WORKER_TESTS"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def worker(standin):
    _needs_shared_services()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "EXOTEL_ACCOUNT_SID": ACCOUNT_SID,
        "EXOTEL_EXOBRIDGE_TOKEN": EXOBRIDGE_TOKEN,
        "EXOTEL_API_KEY": API_KEY,
        "EXOTEL_API_TOKEN": API_TOKEN,
        "EXOTEL_GREENPIN_URL": standin.url,
        "EXOTEL_CALLS_URL": standin.url,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "greenpin_admin",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield process
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])  # shown by pytest when the test fails


def test_a_webhook_delivery_becomes_a_pulled_linked_call(standin, webhook_url, worker):
    standin.add_allocation(
        greenpin_id="gp_w1",
        virtual_number="+914071000011",
        from_=["+919900011111"],
        to=["+918800011111"],
        custom_field="order_id=90001",
    )
    standin.add_allocation(
        greenpin_id="gp_w2",
        virtual_number="+914071000011",
        from_=["+919900022222"],
        to=["+918800022222"],
        custom_field="order_id=90002",
    )
    call_command("track", "gp_w1", "gp_w2", stdout=io.StringIO())

    sid = standin.simulate_call(
        "gp_w2",
        caller="B",
        duration=64,
        webhook_url=webhook_url,
        order="shuffled",
        duplicate=True,
    )

    deadline = time.monotonic() + 60
    call = None
    while time.monotonic() < deadline:
        call = Call.objects.filter(sid=sid, last_synced_at__isnull=False).first()
        if call and call.link_state == LinkState.LINKED and call.recording_url:
            break
        time.sleep(0.3)
    assert call is not None, "the worker never pulled the call"
    assert call.allocation.greenpin_id == "gp_w2"
    assert call.status == "completed"
    assert call.duration == 64
    assert standin.counts()["by_endpoint"].get("calls.get", 0) >= 1
