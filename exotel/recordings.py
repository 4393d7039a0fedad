"""Call recordings: which URLs may be fetched, and streaming one through with the Call API's
credentials. A recording URL comes from Exotel's events, so it is hostile input: it is only
ever requested rebuilt from validated parts, on an allowed origin, under this account's path."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import requests
from django.conf import settings
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from . import call_api, errors


class RecordingRefused(errors.ExotelError):
    """The recording URL is not a plain URL on an allowed origin and under an allowed folder
    (RECORDING_ALLOWED_ORIGINS, RECORDING_ALLOWED_PATH_PREFIXES): nothing was fetched."""

    kind = "recording_refused"
    permanent = True


@dataclass
class RecordingStream:
    status: int
    headers: dict[str, str]
    response: requests.Response

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            yield from self.response.iter_content(size)
        finally:
            self.response.close()


def open_recording(url: str, *, range_header: str | None = None) -> RecordingStream:
    """Start streaming a recording, passing `Range` through.

    Exotel recordings are private (since October 2024): they are fetched with the API key and
    token. The request goes to the URL rebuilt from `recording_request_url`'s validated parts
    (never to the stored text), and redirects are not followed, so an event cannot make this
    server send the credentials, or any request, anywhere else.
    """
    checked = recording_request_url(
        url,
        allowed_origins=settings.RECORDING_ALLOWED_ORIGINS,
        path_prefixes=recording_path_prefixes(),
    )
    if checked is None:
        raise RecordingRefused(
            "recording URL refused: not a plain URL in an allowed folder of an allowed origin"
        )
    headers = {"Range": range_header} if range_header else {}
    response = call_api.send(checked, None, headers=headers, stream=True)
    passed = {
        name: response.headers[name]
        for name in ("Content-Length", "Content-Range", "Accept-Ranges")
        if name in response.headers
    }
    # Only audio is served as what it claims to be: anything else is an opaque download, so
    # a hostile file can never run as a page on the console's origin.
    content_type = response.headers.get("Content-Type", "")
    passed["Content-Type"] = (
        content_type if content_type.startswith("audio/") else "application/octet-stream"
    )
    return RecordingStream(status=response.status_code, headers=passed, response=response)


def recording_origin_allowed(url: str) -> bool:
    """Whether `url` is a recording in an allowed folder on an allowed origin."""
    return recording_refusal(url) == ""


def recording_path_prefixes() -> list[str]:
    """RECORDING_ALLOWED_PATH_PREFIXES with this account filled in, each ending in `/`.

    The allowed origins are shared S3 endpoints that host anyone's buckets, so the path must
    also be in one of the recording folders. A prefix always ends at a folder boundary:
    `/exorecordings` must not admit `/exorecordings-of-someone-else/`.
    """
    account = settings.EXOTEL_ACCOUNT_SID
    prefixes = []
    for prefix in settings.RECORDING_ALLOWED_PATH_PREFIXES:
        # replace, not format: a stray brace in the setting must not break every page.
        filled = prefix.strip().replace("{account_sid}", account)
        if filled.startswith("/"):
            prefixes.append(filled if filled.endswith("/") else filled + "/")
    return prefixes


def recording_folder(url: str) -> str:
    """Where a recording URL points, without its file name: `scheme://host[:port]/folder/`,
    to tell an operator which origin or folder to allow. Text that is not a plain URL is
    described, never echoed."""
    plain = _PLAIN_URL.fullmatch(url) if isinstance(url, str) else None
    if plain is None:
        return "not a plain scheme://host/path URL"
    folder = plain["path"].rsplit("/", 1)[0] + "/"
    port = f":{plain['port']}" if plain["port"] else ""
    return f"{plain['scheme']}://{plain['host'].lower()}{port}{folder}"[:300]


# A plain `scheme://host[:port]/path`: no userinfo, query, fragment, backslash, whitespace,
# control or non-ASCII character can even reach the parser. Two parsers reading one URL
# differently (urlsplit against urllib3 on `\@`) is how a check passes one host while the
# request goes to another, so the text must be one every parser reads the same way.
_PLAIN_URL = re.compile(
    r"(?P<scheme>https?)://"
    r"(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])"
    r"(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"(?P<path>/(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2}){0,900})"
)
# Escapes that would smuggle a dot segment, a separator or another escape past the path check.
_HOSTILE_ESCAPE = re.compile(r"%(?:2e|2f|5c|25|[01][0-9a-f]|7f)", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def recording_request_url(
    url: str, *, allowed_origins: Iterable[str], path_prefixes: Iterable[str]
) -> str | None:
    """The URL to request for the recording at `url`, rebuilt from validated parts, or None.

    None unless `url` is a plain `scheme://host[:port]/path` whose origin is one of
    `allowed_origins` and whose path is under one of `path_prefixes`, with no dot segment in
    any spelling. The parts come from urllib3's parser, the one that sends the request.
    """
    return _checked(url, allowed_origins=allowed_origins, path_prefixes=path_prefixes)[0]


# Why a recording URL is refused: what an operator would have to change, if anything.
REFUSED_URL = "url"  # not a plain URL, or one that climbs out of its folder: nothing to allow
REFUSED_ORIGIN = "origin"  # its origin is not in RECORDING_ALLOWED_ORIGINS
REFUSED_FOLDER = "folder"  # its folder is not under RECORDING_ALLOWED_PATH_PREFIXES


def recording_refusal(url: str) -> str:
    """Why the settings refuse to fetch `url` (REFUSED_URL, _ORIGIN or _FOLDER), or "" when
    they allow it."""
    return _checked(
        url,
        allowed_origins=settings.RECORDING_ALLOWED_ORIGINS,
        path_prefixes=recording_path_prefixes(),
    )[1]


def _checked(
    url: str, *, allowed_origins: Iterable[str], path_prefixes: Iterable[str]
) -> tuple[str | None, str]:
    plain = _PLAIN_URL.fullmatch(url) if isinstance(url, str) else None
    if plain is None or _HOSTILE_ESCAPE.search(url):
        return None, REFUSED_URL
    try:
        parts = parse_url(url)
    except LocationParseError:
        return None, REFUSED_URL
    if parts.auth or parts.query is not None or parts.fragment is not None:
        return None, REFUSED_URL
    # The sending parser must read exactly what was checked (it also drops dot segments,
    # which is why they are looked for in the text, before it parses).
    scheme, host, path = plain["scheme"], plain["host"].lower(), plain["path"]
    if (parts.scheme, (parts.host or "").lower(), parts.path) != (scheme, host, path):
        return None, REFUSED_URL
    if any(segment in ("", ".", "..") for segment in path.split("/")[1:]):
        return None, REFUSED_URL
    origin = _normal_origin(scheme, host, parts.port)
    if origin not in {_allowed_origin(allowed) for allowed in allowed_origins}:
        return None, REFUSED_ORIGIN
    if not any(prefix and path.startswith(prefix) for prefix in path_prefixes):
        return None, REFUSED_FOLDER
    return origin + path, ""


def _normal_origin(scheme: str, host: str, port: int | None) -> str:
    shown_port = "" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{host.lower()}{shown_port}"


def _allowed_origin(origin: str) -> str:
    try:
        parts = parse_url(origin.strip().rstrip("/"))
    except LocationParseError:
        return ""
    if parts.scheme not in _DEFAULT_PORTS or not parts.host:
        return ""
    return _normal_origin(parts.scheme, parts.host, parts.port)
