"""gunicorn as `gunicorn greenpin_admin.wsgi:application` runs it: with gunicorn.conf.py from
the working directory, it survives stalled clients and logs no webhook secret."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "hush-7b1f0c"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("web")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "EXOTEL_WEBHOOK_SECRET": SECRET,
        "DJANGO_SETTINGS_MODULE": "greenpin_admin.settings",
    }
    access_log = tmp / "access.log"
    # /healthz reads the workers' heartbeats from the database, as in any deployment.
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "greenpin_admin.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # until a worker has booted
        try:
            requests.get(f"{url}/healthz", timeout=30)
            break
        except requests.RequestException:
            time.sleep(0.1)
    yield url, access_log
    process.terminate()
    process.wait(timeout=30)


def test_the_webhook_secret_never_reaches_the_access_log(web):
    url, access_log = web
    for path in (f"/webhooks/exotel/{SECRET}/", f"/webhooks/exotel/{SECRET}x/"):
        response = requests.post(url + path, data=b"{}", timeout=10)
        assert response.status_code in (400, 403)
    time.sleep(0.5)  # gunicorn writes the line after the answer

    log = access_log.read_text()
    assert SECRET not in log
    assert log.count("/webhooks/exotel/[secret]/") == 2


def test_stalled_clients_do_not_freeze_the_server(web):
    url, _ = web
    port = int(url.rsplit(":", 1)[1])
    stalled = []
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never ends
        stalled.append(sock)
    try:
        # The timeout only keeps a frozen server from hanging the suite.
        response = requests.get(f"{url}/healthz", timeout=20)
        assert response.status_code == 200
    finally:
        for sock in stalled:
            sock.close()
