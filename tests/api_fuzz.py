"""Schemathesis against the API's own OpenAPI document, as `.ci/run` runs it after the test
suite: `python -m tests.api_fuzz` (DATABASE_URL: PostgreSQL, or SQLite by default).

A database of its own (made anew, with a few rows whose IDs are the document's examples), a
token made by `manage.py create_api_token`, gunicorn on a free port as production runs it,
then every operation called with generated valid and invalid input. It fails on any 5xx and
on any answer the document does not describe (status, content type, body, headers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE = os.environ.get("API_FUZZ_DATABASE", "greenpin_api_fuzz")
# Every check but positive_data_acceptance: the list endpoint takes exactly one of its three
# filters, which OpenAPI 3.0 cannot say, so "schema-valid" requests naming two are refused.
CHECKS = os.environ.get(
    "API_FUZZ_CHECKS",
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "missing_required_header,unsupported_method,use_after_free,ensure_resource_availability,"
    "ignored_auth,allow_header_conformance",
)
# Bounded so the run takes about a minute on a 2-core machine.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_MAX_EXAMPLES", "60"))


def seed() -> None:
    """A few rows for the document's examples to find (run inside `manage.py shell`)."""
    from console.api import views
    from tests.factories import AllocationFactory, CallFactory, PartyFactory

    allocation = AllocationFactory(
        greenpin_id=views.EXAMPLE_GREENPIN_ID, order_id=views.EXAMPLE_ORDER_ID, pin="0427"
    )
    PartyFactory(allocation=allocation, side="A", number="+919900012345")
    PartyFactory(allocation=allocation, side="B", number="+918800054321")
    CallFactory(sid=views.EXAMPLE_CALL_SID, allocation=allocation)
    CallFactory(allocation=allocation, recording_url="", duration=None, end_time=None)
    CallFactory(allocation=None, link_state="no_candidate")
    AllocationFactory(order_id=views.EXAMPLE_ORDER_ID, status="missing", created_at=None)


def _database_urls(url: str) -> tuple[str, str | None]:
    """The fuzz database's URL, and the server's maintenance URL to create it from."""
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        return urlunsplit(parts._replace(path=f"/{DATABASE}")), url
    path = ROOT / "var" / f"{DATABASE}.sqlite3"
    path.unlink(missing_ok=True)
    return f"sqlite:///{path}", None


def _recreate(maintenance_url: str, *, create: bool = True) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if create:
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _wait_for(url: str, token: str, server: subprocess.Popen, timeout: float = 180) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}) before answering")
        try:
            answer = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if answer.status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or still starting
        time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {timeout:.0f} s")


def main() -> int:
    fuzz_url, maintenance = _database_urls(os.environ.get("DATABASE_URL", "sqlite://"))
    if maintenance:
        _recreate(maintenance)
    env = {
        **os.environ,
        "DATABASE_URL": fuzz_url,
        # Tracked IDs are queued to nobody: this run tests the web process alone.
        "CELERY_BROKER_URL": "memory://",
        "COORDINATION_URL": "",
        "DEBUG": "false",
        "LOG_LEVEL": "ERROR",
        # Throttling has its own tests; here every generated request should reach the view.
        "API_THROTTLE_TRACK": "1000000/min",
        "API_THROTTLE_READ": "1000000/min",
        "WEB_CONCURRENCY": "1",
    }
    _manage(env, "migrate", "--no-input", "-v0")
    _manage(env, "shell", "-c", "from tests.api_fuzz import seed; seed()")
    made = _manage(
        env,
        "create_api_token",
        "schemathesis",
        "--scope",
        "track",
        "--scope",
        "read",
        "--scope",
        "reveal",
    )
    token = made.splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (ROOT / "var" / "api-fuzz-server.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "greenpin_admin.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"{base}/api/schema/", token, server)
        return subprocess.run(
            [
                str(BIN / "schemathesis"),
                "--no-color",
                "run",
                f"{base}/api/schema/",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                CHECKS,
                "--phases",
                "examples,coverage,fuzzing",
                "--max-examples",
                str(MAX_EXAMPLES),
                "--workers",
                "2",
                "--seed",
                os.environ.get("API_FUZZ_SEED", "1"),
            ],
            cwd=ROOT,
            env=env,
            check=False,
        ).returncode
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        print(f"gunicorn's log: {log.name}")
        if maintenance:
            _recreate(maintenance, create=False)


if __name__ == "__main__":
    sys.exit(main())
