"""The one HTTP layer both clients use: a redirect is an error for both APIs (nothing follows
it), and one backoff serves in-process retries and rescheduled work."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from exotel import call_api, errors, greenpin
from exotel.http import backoff_delay


class _Redirecting:
    """A loopback server answering every request with a redirect to itself, recording paths."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.paths.append(self.path)
                self.send_response(302)
                self.send_header("Location", f"{server.url}/elsewhere")
                self.send_header("Content-Type", "application/json")
                body = b'{"response": {}}'
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def redirecting():
    server = _Redirecting()
    yield server
    server.stop()


def test_a_redirect_from_the_greenpin_api_is_an_error_and_not_followed(settings, redirecting):
    settings.EXOTEL_GREENPIN_URL = redirecting.url

    with pytest.raises(errors.RequestRejected) as raised:
        greenpin.get_allocation("gp_moved")

    assert raised.value.status == 302
    assert raised.value.permanent
    assert not any(path.startswith("/elsewhere") for path in redirecting.paths)
    assert len(redirecting.paths) == 1


def test_a_redirect_from_the_call_api_is_the_same_error(settings, redirecting):
    settings.EXOTEL_CALLS_URL = redirecting.url

    with pytest.raises(errors.RequestRejected) as raised:
        call_api.get_call("c_moved")

    assert raised.value.status == 302
    assert len(redirecting.paths) == 1


@pytest.mark.parametrize("attempt", [1, 2, 3, 8])
def test_the_backoff_doubles_from_its_base_up_to_its_cap_within_its_spread(attempt):
    step = min(600, 30 * 2 ** (attempt - 1))

    delays = [backoff_delay(attempt, base=30, cap=600, spread=(0.8, 1.2)) for _ in range(200)]

    assert all(0.8 * step <= delay <= 1.2 * step for delay in delays)
    assert len(set(delays)) > 1  # jittered, so retries spread out


def test_the_default_backoff_is_full_jitter_below_the_step(settings):
    settings.EXOTEL_BACKOFF_BASE = 2

    delays = [backoff_delay(3) for _ in range(200)]

    assert all(0 <= delay <= 8 for delay in delays)
    assert max(delays) > 4  # reaches into the upper half of the step, not a fixed value
