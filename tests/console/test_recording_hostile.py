"""Recording URLs come from events anyone with the webhook secret can send: a hostile one must
never make the server send a request, least of all with the Call API credentials, anywhere but
this account's recordings on an allowed origin."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AccessLog
from exotel import call_api as client
from exotel import recordings
from tests.factories import AllocationFactory, CallFactory

pytestmark = pytest.mark.django_db


class _Listener:
    """A server on loopback that records every request it receives (and answers `answer`)."""

    def __init__(self, answer=(200, {})):
        self.requests: list[tuple[str, dict[str, str]]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                listener.requests.append((self.path, dict(self.headers)))
                status, headers = answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"RIFF")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = _Listener()
    yield server
    server.stop()


@pytest.fixture
def player(staff_client, django_user_model):
    user = django_user_model.objects.get(username="agent")
    user.user_permissions.add(Permission.objects.get(codename="play_recording"))
    return staff_client


# {ok} is the allowed origin's host:port (the stand-in), {evil} the listener's port.
HOSTILE = [
    # parser differentials: urlsplit and urllib3 disagree on which host these name
    "http://127.0.0.1:{evil}\\@{ok}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1:{evil}\\\\@{ok}/exotelrecordings/ACtest/x.wav",
    "http://{ok}\\@127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://{ok}@127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://user:pass@{ok}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1:{evil}#@{ok}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1:{evil}?@{ok}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1:{evil}%2f@{ok}/exotelrecordings/ACtest/x.wav",
    "http://{ok}:{evil}/exotelrecordings/ACtest/x.wav",
    "http:\\\\127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "//127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    # dot segments and encodings that climb out of the account's folder
    "http://{ok}/exotelrecordings/ACtest/../../_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/%2e%2e/%2e%2e/_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/%2E%2E/%2E%2E/_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/.%2e/.%2e/_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/..%2f..%2f_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/%252e%252e/%252e%252e/_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/..\\..\\_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/%5c..%5c..%5c_standin/counts",
    "http://{ok}/exotelrecordings/ACtest/./x.wav",
    "http://{ok}/exotelrecordings/ACtest//x.wav",
    "http://{ok}/exotelrecordings/ACother/x.wav",
    "http://{ok}/exotelrecordings/ACtestX/x.wav",
    # whitespace, control characters, non-ASCII
    "http://{ok} /exotelrecordings/ACtest/x.wav",
    " http://127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://{ok}/exotelrecordings/ACtest/x.wav\r\nHost: 127.0.0.1:{evil}",
    "http://{ok}/exotelrecordings/ACtest/x.wav\t",
    "http://{ok}/exotelrecordings/ACtest/x.wav%00",
    "http://{ok}/exotelrecordings/ACtest/x.wav%0d%0aX: y",
    "http://127\u30020\u30020\u30021:{evil}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1\uff1a{evil}/exotelrecordings/ACtest/x.wav",
    # other spellings of loopback, IPv6
    "http://localhost:{evil}/exotelrecordings/ACtest/x.wav",
    "http://2130706433:{evil}/exotelrecordings/ACtest/x.wav",
    "http://0177.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://0x7f.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://127.1:{evil}/exotelrecordings/ACtest/x.wav",
    "http://[::ffff:127.0.0.1]:{evil}/exotelrecordings/ACtest/x.wav",
    "http://[::1]:{evil}/exotelrecordings/ACtest/x.wav",
    "http://127.0.0.1.:{evil}/exotelrecordings/ACtest/x.wav",
    # schemes, ports, query and fragment
    "HTTP://127.0.0.1:{evil}/exotelrecordings/ACtest/x.wav",
    "ftp://{ok}/exotelrecordings/ACtest/x.wav",
    "file:///etc/passwd",
    "http://{okhost}:0{okport}/exotelrecordings/ACtest/x.wav",
    "http://{ok}/exotelrecordings/ACtest/x.wav?then=http://127.0.0.1:{evil}/",
    "http://{ok}/exotelrecordings/ACtest/x.wav#http://127.0.0.1:{evil}/",
    "",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_a_hostile_recording_url_sends_nothing_anywhere(template, player, standin, listener):
    host, port = standin.url.removeprefix("http://").split(":")
    url = template.format(ok=f"{host}:{port}", okhost=host, okport=port, evil=listener.port)
    CallFactory(sid="c_hostile", allocation=AllocationFactory(), recording_url=url)
    before = standin.counts()["total"]

    response = player.get(reverse("calls:recording", args=["c_hostile"]))

    assert response.status_code in (404, 502)  # 404: an empty URL is "not available yet"
    assert listener.requests == []
    assert standin.counts()["total"] == before
    assert not AccessLog.objects.filter(action="play_recording").exists()


def test_a_redirect_from_an_allowed_origin_is_not_followed(player, settings, listener):
    redirecting = _Listener(answer=(302, {"Location": f"{listener.url}/stolen"}))
    try:
        settings.EXOTEL_ACCOUNT_SID = "ACtest"
        settings.EXOTEL_API_KEY, settings.EXOTEL_API_TOKEN = "key", "secret-token"
        settings.RECORDING_ALLOWED_ORIGINS = [redirecting.url]
        url = f"{redirecting.url}/exotelrecordings/ACtest/x.wav"
        CallFactory(sid="c_redirect", allocation=AllocationFactory(), recording_url=url)

        response = player.get(reverse("calls:recording", args=["c_redirect"]))

        assert response.status_code == 502
        assert [path for path, _ in redirecting.requests] == ["/exotelrecordings/ACtest/x.wav"]
        assert listener.requests == []
    finally:
        redirecting.stop()


def test_credentials_go_only_to_the_validated_origin_and_path(player, settings, listener):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.EXOTEL_API_KEY, settings.EXOTEL_API_TOKEN = "key", "secret-token"
    settings.RECORDING_ALLOWED_ORIGINS = [listener.url + "/"]
    url = f"{listener.url}/exotelrecordings/ACtest/x.wav"
    CallFactory(sid="c_fine", allocation=AllocationFactory(), recording_url=url)

    response = player.get(reverse("calls:recording", args=["c_fine"]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"RIFF"
    ((path, headers),) = listener.requests
    assert path == "/exotelrecordings/ACtest/x.wav"
    assert headers["Host"] == f"127.0.0.1:{listener.port}"
    assert headers["Authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/a1.mp3",
            "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/a1.mp3",
        ),
        (
            "https://s3-ap-southeast-1.amazonaws.com:443/exotelrecordings/ACtest/a%20b.mp3",
            "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/a%20b.mp3",
        ),
    ],
)
def test_genuine_recording_urls_are_rebuilt_from_their_parts(url, expected):
    allowed = ["https://S3-ap-southeast-1.amazonaws.com/"]
    assert (
        recordings.recording_request_url(
            url, allowed_origins=allowed, path_prefixes=["/exotelrecordings/ACtest/"]
        )
        == expected
    )


@pytest.fixture
def recorded(player, standin):
    standin.add_call(sid="c_rec", duration=30)
    CallFactory(
        sid="c_rec",
        allocation=AllocationFactory(),
        recording_url=client.get_call("c_rec").recording_url,
    )
    return reverse("calls:recording", args=["c_rec"])


@pytest.mark.parametrize(
    "range_header",
    [None, "bytes=0-", "bytes=00-", "bytes=0000-", "BYTES=0-", "bytes=-100000000", "bytes= 0-"],
)
def test_every_response_that_serves_the_first_byte_is_an_audited_play(
    player, recorded, range_header
):
    headers = {"HTTP_RANGE": range_header} if range_header else {}
    response = player.get(recorded, **headers)
    body = b"".join(response.streaming_content)

    assert body[:4] == b"RIFF"  # the start of the file was served ...
    assert AccessLog.objects.filter(action="play_recording").count() == 1  # ... and audited


def test_a_seek_is_not_a_play(player, recorded):
    response = player.get(recorded, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert not AccessLog.objects.filter(action="play_recording").exists()


@pytest.mark.parametrize("sid", ['quote"; filename=evil.html', "crlf\r\nSet-Cookie: x=1"])
def test_the_download_name_never_carries_the_call_sid(player, settings, listener, sid):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = [listener.url]
    url = f"{listener.url}/exotelrecordings/ACtest/x.wav"
    call = CallFactory(sid="plain", allocation=AllocationFactory(), recording_url=url)
    # A SID stored before IDs were checked where they enter.
    type(call).objects.filter(pk=call.pk).update(sid=sid)

    response = player.get(
        f"/calls/{sid.replace(chr(13), '%0D').replace(chr(10), '%0A')}/recording/"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="recording"'
