from __future__ import annotations

import logging
import os
import uuid

import pytest

from tests import logscan

ACCOUNT_SID = "ACtest"
EXOBRIDGE_TOKEN = "xb-test-token"
API_KEY = "key-test"
API_TOKEN = "tok-test"


@pytest.fixture(scope="session")
def standin_server():
    """One Exotel stand-in for the session, on a free port, spoken to over real HTTP."""
    from exotel_standin import StandIn

    server = StandIn(
        pin_prefix="0",  # like the factories' PINs, so a PIN in the log is never a row ID
        account_sid=ACCOUNT_SID,
        exobridge_token=EXOBRIDGE_TOKEN,
        api_key=API_KEY,
        api_token=API_TOKEN,
    )
    server.start(host="127.0.0.1", port=0)
    yield server
    server.stop()


@pytest.fixture
def standin(standin_server, settings):
    """The stand-in, emptied, with the application pointed at it and fast retries."""
    standin_server.reset()
    settings.EXOTEL_ACCOUNT_SID = ACCOUNT_SID
    settings.EXOTEL_TENANT_ID = ACCOUNT_SID
    settings.EXOTEL_EXOBRIDGE_TOKEN = EXOBRIDGE_TOKEN
    settings.EXOTEL_API_KEY = API_KEY
    settings.EXOTEL_API_TOKEN = API_TOKEN
    settings.EXOTEL_GREENPIN_URL = standin_server.url
    settings.EXOTEL_CALLS_URL = standin_server.url
    settings.EXOTEL_BACKOFF_BASE = 0.01
    settings.EXOTEL_READ_TIMEOUT = 1.0
    settings.EXOTEL_MAX_ATTEMPTS = 3
    settings.RECORDING_ALLOWED_ORIGINS = [standin_server.url]
    return standin_server


def _member_of(django_user_model, username: str, group: str):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username=username, password=f"pw-{username}-1")
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def staff_client(client, django_user_model):
    """Logged in as a support agent (the Support group)."""
    client.force_login(_member_of(django_user_model, "agent", "Support"))
    return client


@pytest.fixture
def supervisor_client(django_user_model):
    """Logged in as a supervisor (the Supervisor group), in a client of its own."""
    from django.test import Client

    supervisor = Client()
    supervisor.force_login(_member_of(django_user_model, "boss", "Supervisor"))
    return supervisor


@pytest.fixture
def eager_celery():
    """Tasks run inline when enqueued (for admin actions and the like, not for worker tests)."""
    from greenpin_admin.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


@pytest.fixture
def webhook_url(live_server, settings):
    """The live test server's webhook, for the stand-in to push call events to."""
    settings.EXOTEL_WEBHOOK_SECRET = "test-webhook-secret"
    return f"{live_server.url}/webhooks/exotel/test-webhook-secret/"


@pytest.fixture(autouse=True)
def _own_coordination_state(settings):
    """Each test gets its own request budget, leases and counters (a fresh Redis prefix), and
    a budget large enough not to bind unless the test says so."""
    settings.COORDINATION_KEY_PREFIX = f"greenpin-test-{uuid.uuid4().hex[:8]}:"
    settings.EXOTEL_RATE_LIMIT_PER_MINUTE = 100_000
    yield
    from exotel.coordination import RedisCoordinator, coordinator

    backend = coordinator()
    if isinstance(backend, RedisCoordinator):
        backend.clear()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Hashing with PBKDF2's real cost would dominate every test that logs in; the production
    hashers stay in the one settings module, and a subprocess started by a test uses them."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()


# --- the run's log, searched at the end for PINs, numbers and secrets ------------------------

_sensitive = logscan.Sensitive()


def pytest_sessionstart(session):
    log_dir = session.config.rootpath / "var"
    log_dir.mkdir(exist_ok=True)
    session.config._greenpin_log = log_dir / f"test-run-{os.getpid()}.log"
    session.config._greenpin_log.write_text("")
    session.config._greenpin_log_handler = logscan.capture_to(session.config._greenpin_log)


@pytest.fixture(scope="session", autouse=True)
def _collect_sensitive_values(django_db_blocker):
    """Note every PIN and number the run stores (whatever the test), to search the log for."""
    from django.db.models.signals import post_save

    from allocations.models import Allocation, Party
    from calls.models import Call

    def allocation_saved(instance, **kwargs):
        _sensitive.saw(pin=instance.pin)

    def party_saved(instance, **kwargs):
        _sensitive.saw(numbers=[instance.number])

    def call_saved(instance, **kwargs):
        _sensitive.saw(numbers=[instance.from_number, instance.to_number])

    post_save.connect(allocation_saved, sender=Allocation, weak=False)
    post_save.connect(party_saved, sender=Party, weak=False)
    post_save.connect(call_saved, sender=Call, weak=False)


def pytest_sessionfinish(session, exitstatus):
    path = getattr(session.config, "_greenpin_log", None)
    if path is None:
        return
    handler = session.config._greenpin_log_handler
    handler.close()
    logging.getLogger().removeHandler(handler)
    secrets = [EXOBRIDGE_TOKEN, API_TOKEN, "test-webhook-secret"]
    found = logscan.leaks(path.read_text(encoding="utf-8").splitlines(), _sensitive, secrets)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_sep("=", "PINs, numbers or secrets in the log", red=True)
            for line in found[:50]:
                reporter.write_line(line[:400])
            reporter.write_line(f"{len(found)} lines; the whole log is {path}")
    else:
        path.unlink()
