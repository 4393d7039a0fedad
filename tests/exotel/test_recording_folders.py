"""Which recording URLs the default settings let the server fetch: the Call API's documented
`exorecordings` form and Exotel's `exotelrecordings/<account>/` bucket, and nothing beside
them (other buckets, other accounts, dot segments, encoded separators)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from exotel import recordings

ROOT = django_settings.BASE_DIR


def _settings_in_a_clean_process(**environment: str) -> subprocess.CompletedProcess:
    """Import the settings as a deployment would, without this run's overrides."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("RECORDING_", "EXOTEL_ACCOUNT_SID"))
    }
    env.update(environment, EXOTEL_ACCOUNT_SID="ACtest")
    script = (
        "import json, greenpin_admin.settings as s; print(json.dumps("
        "[s.RECORDING_ALLOWED_ORIGINS, s.RECORDING_ALLOWED_PATH_PREFIXES]))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def defaults() -> tuple[list[str], list[str]]:
    done = _settings_in_a_clean_process()
    assert done.returncode == 0, done.stderr
    origins, prefixes = json.loads(done.stdout)
    return origins, prefixes


@pytest.fixture
def default_settings(settings, defaults):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS, settings.RECORDING_ALLOWED_PATH_PREFIXES = defaults
    return settings


ALLOWED_BY_DEFAULT = [
    # The Call API's documented example, with a file name where it shows "...".
    "https://s3.ap-south-1.amazonaws.com/exorecordings/...",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/ACtest/b8f3c1d2e4a5.mp3",
    "https://s3-ap-south-1.amazonaws.com/exorecordings/2024/06/15/b8f3c1d2e4a5.mp3",
    # Exotel's recordings bucket, this account's folder, on each regional spelling.
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/b8f3c1d2e4a5.mp3",
    "https://s3.ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/exotelrecordings/ACtest/b8f3c1d2e4a5.wav",
    "https://s3-ap-south-1.amazonaws.com:443/exotelrecordings/ACtest/b8f3c1d2e4a5.mp3",
]

REFUSED_BY_DEFAULT = [
    # other accounts' folders in Exotel's bucket
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACother/b8f3c1d2e4a5.mp3",
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtestX/b8f3c1d2e4a5.mp3",
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/b8f3c1d2e4a5.mp3",
    # other buckets on the same shared endpoints, including ones that start alike
    "https://s3.ap-south-1.amazonaws.com/attacker-bucket/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings-evil/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordingsX/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/EXORECORDINGS/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings",
    "https://s3.ap-south-1.amazonaws.com/x/exorecordings/b8f3c1d2e4a5.mp3",
    # dot segments and encoded separators climbing out of an allowed folder
    "https://s3.ap-south-1.amazonaws.com/exorecordings/../attacker-bucket/x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/./x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings//x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/%2e%2e/attacker-bucket/x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/..%2fattacker-bucket%2fx.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings%2f..%2fattacker-bucket/x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/%252e%252e/x.mp3",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/..%5cattacker-bucket/x.mp3",
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/../ACother/x.mp3",
    "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest%2f..%2fACother/x.mp3",
    # the right path on a wrong origin
    "http://s3.ap-south-1.amazonaws.com/exorecordings/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com:8443/exorecordings/b8f3c1d2e4a5.mp3",
    "https://s3.ap-south-1.amazonaws.com.evil.example/exorecordings/b8f3c1d2e4a5.mp3",
    "https://evil.example/exorecordings/b8f3c1d2e4a5.mp3",
    "https://s3.amazonaws.com/exorecordings/b8f3c1d2e4a5.mp3",
    # query, fragment, userinfo
    "https://s3.ap-south-1.amazonaws.com/exorecordings/x.mp3?X-Amz-Signature=1",
    "https://s3.ap-south-1.amazonaws.com/exorecordings/x.mp3#frag",
    "https://user@s3.ap-south-1.amazonaws.com/exorecordings/x.mp3",
    "",
]


@pytest.mark.parametrize("url", ALLOWED_BY_DEFAULT)
def test_the_default_settings_allow_both_documented_recording_forms(default_settings, url):
    assert recordings.recording_origin_allowed(url)


@pytest.mark.parametrize("url", REFUSED_BY_DEFAULT)
def test_the_default_settings_refuse_other_buckets_accounts_and_escapes(default_settings, url):
    assert not recordings.recording_origin_allowed(url)


def test_the_default_origins_hold_the_documented_example(defaults):
    origins, prefixes = defaults
    assert "https://s3.ap-south-1.amazonaws.com" in origins
    assert prefixes == ["/exotelrecordings/{account_sid}/", "/exorecordings/"]


def test_a_prefix_without_its_closing_slash_still_ends_at_a_folder(settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3.ap-south-1.amazonaws.com"]
    settings.RECORDING_ALLOWED_PATH_PREFIXES = [
        "/exorecordings",
        " /exotelrecordings/{account_sid}",
    ]

    assert recordings.recording_path_prefixes() == ["/exorecordings/", "/exotelrecordings/ACtest/"]
    assert recordings.recording_origin_allowed(
        "https://s3.ap-south-1.amazonaws.com/exorecordings/x.mp3"
    )
    assert not recordings.recording_origin_allowed(
        "https://s3.ap-south-1.amazonaws.com/exorecordings-evil/x.mp3"
    )


@pytest.mark.parametrize("prefix", ["{0}", "{account}/", "exorecordings/", "", "{"])
def test_a_malformed_prefix_allows_nothing_and_breaks_nothing(settings, prefix):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3.ap-south-1.amazonaws.com"]
    settings.RECORDING_ALLOWED_PATH_PREFIXES = [prefix]

    assert not recordings.recording_origin_allowed(
        "https://s3.ap-south-1.amazonaws.com/exorecordings/x.mp3"
    )


def test_without_an_account_sid_the_account_folder_allows_nothing(settings):
    settings.EXOTEL_ACCOUNT_SID = ""
    settings.RECORDING_ALLOWED_ORIGINS = ["https://s3-ap-southeast-1.amazonaws.com"]
    settings.RECORDING_ALLOWED_PATH_PREFIXES = ["/exotelrecordings/{account_sid}/"]

    assert not recordings.recording_origin_allowed(
        "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings//x.mp3"
    )
    assert not recordings.recording_origin_allowed(
        "https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/ACtest/x.mp3"
    )


def test_the_settings_name_a_list_of_folders(settings):
    settings.EXOTEL_ACCOUNT_SID = "ACtest"
    settings.RECORDING_ALLOWED_ORIGINS = ["https://recordings.example"]
    settings.RECORDING_ALLOWED_PATH_PREFIXES = ["/a/", "/b/{account_sid}/"]

    assert recordings.recording_origin_allowed("https://recordings.example/a/x.mp3")
    assert recordings.recording_origin_allowed("https://recordings.example/b/ACtest/x.mp3")
    assert not recordings.recording_origin_allowed("https://recordings.example/c/x.mp3")


def test_the_old_singular_setting_stops_the_start_with_its_new_name():
    done = _settings_in_a_clean_process(RECORDING_ALLOWED_PATH_PREFIX="/exotelrecordings/")
    assert done.returncode != 0
    assert "RECORDING_ALLOWED_PATH_PREFIXES" in done.stderr


def test_a_comma_list_in_the_environment_is_read_as_folders():
    done = _settings_in_a_clean_process(RECORDING_ALLOWED_PATH_PREFIXES="/one/,/two/{account_sid}/")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[1] == ["/one/", "/two/{account_sid}/"]


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        (
            "https://s3.ap-south-1.amazonaws.com/exorecordings/ACtest/x.mp3",
            "https://s3.ap-south-1.amazonaws.com/exorecordings/ACtest/",
        ),
        ("http://127.0.0.1:8081/a.wav", "http://127.0.0.1:8081/"),
        ("https://user@evil.example/x", "not a plain scheme://host/path URL"),
        ("javascript:alert(1)", "not a plain scheme://host/path URL"),
        ("", "not a plain scheme://host/path URL"),
    ],
)
def test_a_recordings_folder_names_where_it_is_without_the_file(url, folder):
    assert recordings.recording_folder(url) == folder


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("https://s3.ap-south-1.amazonaws.com/exorecordings/x.mp3", ""),
        ("https://s3.eu-west-1.amazonaws.com/exorecordings/x.mp3", recordings.REFUSED_ORIGIN),
        ("https://s3.ap-south-1.amazonaws.com/other-bucket/x.mp3", recordings.REFUSED_FOLDER),
        ("https://s3.ap-south-1.amazonaws.com/exorecordings/../x.mp3", recordings.REFUSED_URL),
        ("https://evil.example/a/../exorecordings/x.mp3", recordings.REFUSED_URL),
        ("https://u@s3.ap-south-1.amazonaws.com/exorecordings/x.mp3", recordings.REFUSED_URL),
        ("not a url", recordings.REFUSED_URL),
    ],
)
def test_a_refusal_says_what_an_operator_would_have_to_change(default_settings, url, refusal):
    assert recordings.recording_refusal(url) == refusal
