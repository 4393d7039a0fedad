"""Whatever an integration sends, the API answers 4xx with what was wrong, never a 5xx, and
writes nothing it should not."""

from __future__ import annotations

import base64
import json

import pytest

from allocations.models import Allocation
from console.models import ApiToken
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db

TRACK = "/api/v1/allocations/track/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"greenpin_ids": "gp_1"}, "greenpin_ids"),  # not a list
        ({"greenpin_ids": {"0": "gp_1"}}, "greenpin_ids"),
        ({"greenpin_ids": []}, "greenpin_ids"),
        ({"greenpin_ids": None}, "greenpin_ids"),
        ({"greenpin_ids": [f"gp_{n}" for n in range(1001)]}, "greenpin_ids"),
        ({"greenpin_ids": ["gp_ok", "gp/../../admin"]}, "greenpin_ids"),  # a '/' in an ID
        ({"greenpin_ids": ["gp_ok", "gp 1"]}, "greenpin_ids"),
        ({"greenpin_ids": [" gp_1"]}, "greenpin_ids"),
        ({"greenpin_ids": ["gp\x001"]}, "greenpin_ids"),
        ({"greenpin_ids": ["gp_\u0661\u0662"]}, "greenpin_ids"),  # Arabic-Indic digits
        ({"greenpin_ids": ["g" * 65]}, "greenpin_ids"),
        ({"greenpin_ids": [""]}, "greenpin_ids"),
        ({"greenpin_ids": [12345]}, "greenpin_ids"),  # a number, not a string
        ({"greenpin_ids": [None]}, "greenpin_ids"),
        ({"greenpin_ids": [["gp_1"]]}, "greenpin_ids"),
        ({"greenpin_ids": [{"id": "gp_1"}]}, "greenpin_ids"),
        ({"greenpin_ids": ["gp_1'; DROP TABLE allocations_allocation; --"]}, "greenpin_ids"),
        ({"greenpin_ids": ["<script>alert(1)</script>"]}, "greenpin_ids"),
        ({}, "greenpin_ids"),
        ({"ids": ["gp_1"]}, "greenpin_ids"),
    ],
)
def test_a_bad_body_is_a_400_naming_the_field_and_tracks_nothing(api_as, queued, body, field):
    response = api_as("track").track(body)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Allocation.objects.exists()
    assert queued == []


def test_the_400_points_at_each_bad_id_by_its_position(api_as, queued):
    response = api_as("track").track({"greenpin_ids": ["gp_ok", "a/b", "gp_ok2", "c d"]})

    errors = response.json()["greenpin_ids"]
    assert set(errors) == {"1", "3"}


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b'{"greenpin_ids": ["gp_1"]',  # cut short
        b'["gp_1"]',  # a list, not an object
        b'"gp_1"',
        b"null",
        b"42",
        b'{"greenpin_ids": [NaN]}',
        b'{"greenpin_ids": Infinity}',
        b"\xff\xfe\x00{",  # not UTF-8
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's recursion limit
        b'{"greenpin_ids": [' + b'"gp_1",' * 200_000 + b'"gp_1"]}',  # far too many, fast
        b'{"greenpin_ids": ["\\ud800"]}',  # a lone surrogate
    ],
)
def test_a_body_that_is_not_the_json_asked_for_is_a_400(api_as, queued, raw):
    response = api_as("track").track(raw)

    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert not Allocation.objects.exists()


def test_a_body_over_the_upload_limit_is_a_400_not_a_server_error(api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"greenpin_ids": [f"gp_{n:05d}" for n in range(500)]})

    assert api_as("track").track(body).status_code == 400


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain",
        "text/json",
    ],
)
def test_a_body_that_is_not_json_is_a_415(api_as, content_type):
    api = api_as("track")
    response = api.post(TRACK, "greenpin_ids=gp_1", content_type=content_type)

    assert response.status_code == 415
    assert not Allocation.objects.exists()


def test_a_json_body_with_a_charset_is_json(api_as, queued):
    api = api_as("track")
    response = api.post(
        TRACK,
        json.dumps({"greenpin_ids": ["gp_1"]}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 202


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_track_takes_only_a_post(api_as, method):
    response = api_as("track").client.generic(
        method, TRACK, "{}", content_type="application/json", **api_as("track").headers
    )
    assert response.status_code == 405


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?order_id=1&phone=9900012345",  # two at once
        "?greenpin_id=a/b",
        "?greenpin_id=" + "g" * 65,
        "?greenpin_id=%C3%A9",
        "?phone=not-a-number",
        "?phone=1",
        "?phone=" + "9" * 100,
        "?order_id=" + "x" * 257,
        "?cursor=!!!",
        "?order_id=1&limit=0",
        "?order_id=1&limit=-5",
        "?order_id=1&limit=101",
        "?order_id=1&limit=abc",
        "?order_id=1&limit=null",
        "?order_id=1&limit=%D9%A1",  # an Arabic-Indic one
        "?order_id=1&cursor=" + base64.b64encode(b"p=foo").decode(),  # not an allocation's
        "?order_id=1&cursor=" + base64.b64encode(b"p=1e999&r=1").decode(),
        "?order_id=1&cursor=" + base64.b64encode(b"p=99999999999999999999999").decode(),
        "?order_id=1&cursor=" + base64.b64encode(b"o=-1").decode(),
        "?order_id=1&cursor=" + base64.b64encode(b"p=\x00").decode(),
    ],
    ids=lambda query: query[:60],
)
def test_a_bad_query_is_a_400(api_as, query):
    response = api_as("read").get("/api/v1/allocations/" + query)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "query",
    [
        "?order_id=%27%20OR%201%3D1%20--",
        "?order_id=%25",  # a LIKE wildcard is only a character here
        "?order_id=_",
        "?order_id=%F0%9F%98%80",
        "?order_id=",
        "?order_id=1&unknown=x",
        "?phone=%2B91%209%D9%A09000%2012345",  # an Arabic-Indic zero among the digits
        "?order_id=1&cursor=bm90IGEgY3Vyc29y",  # "not a cursor": read as the first page
        "?order_id=1&cursor=" + "A" * 5000,
    ],
    ids=lambda query: query[:60],
)
def test_an_odd_but_harmless_query_is_answered(api_as, query):
    AllocationFactory(order_id="%")
    response = api_as("read").get("/api/v1/allocations/" + query)

    assert response.status_code in (200, 400), response.content
    if query == "?order_id=_":
        assert response.json()["results"] == []


def test_a_nul_in_the_query_is_a_json_400(api_as):
    response = api_as("read").get("/api/v1/allocations/?order_id=%00")
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/allocations",  # no trailing slash
        "/api/v1/allocations/a%2Fb/",  # a '/' in the ID
        "/api/v1/allocations/gp_1/calls/",
        "/api/v2/allocations/",
        "/api/",
        "/api/v1/calls/",
    ],
)
def test_any_other_address_under_the_api_is_a_json_404(path):
    from django.test import Client

    for method in ("get", "post"):
        response = getattr(Client(), method)(path)
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/allocations/%00/",
        "/api/v1/allocations/%2e%2e/",
        "/api/v1/allocations/" + "g" * 500 + "/",
        "/api/v1/allocations/%F0%9F%98%80/",
        "/api/v1/allocations/gp%20x/",
        "/api/v1/calls/%00/",
        "/api/v1/calls/" + "c" * 500 + "/",
        "/api/v1/calls/%27%20OR%201=1/",
    ],
)
def test_an_id_in_the_path_that_is_no_id_is_a_404(api_as, path):
    response = api_as("read").get(path)
    assert response.status_code == 404


def test_each_token_is_throttled_on_its_own_with_a_retry_after(api_as, settings):
    settings.API_THROTTLE_READ = "3/min"
    busy, other = api_as("read", name="busy"), api_as("read", name="other")

    answers = [busy.get("/api/v1/allocations/?order_id=1").status_code for _ in range(4)]
    refused = busy.get("/api/v1/allocations/?order_id=1")

    assert answers == [200, 200, 200, 429]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"]
    assert other.get("/api/v1/allocations/?order_id=1").status_code == 200


def test_tracking_has_its_own_rate(api_as, settings, queued):
    settings.API_THROTTLE_TRACK = "1/hour"
    settings.API_THROTTLE_READ = "1000/min"
    api = api_as("track", "read")

    first = api.track({"greenpin_ids": ["gp_1"]})
    second = api.track({"greenpin_ids": ["gp_2"]})

    assert (first.status_code, second.status_code) == (202, 429)
    assert int(second["Retry-After"]) <= 3600
    assert api.get("/api/v1/allocations/?order_id=1").status_code == 200
    assert not Allocation.objects.filter(greenpin_id="gp_2").exists()


@pytest.mark.parametrize("rate", ["600", "often", "10/fortnight", "-1/min", ""])
def test_a_throttle_rate_that_cannot_be_read_fails_the_checks(settings, rate):
    from console.api.checks import api_throttle_rates_check

    settings.API_THROTTLE_READ = rate
    assert [error.id for error in api_throttle_rates_check(None)] == ["console.E001"]


def test_an_accept_header_asking_for_html_still_gets_json(api_as):
    response = api_as("read").get("/api/v1/allocations/?order_id=1", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_a_huge_authorization_header_is_a_401_and_counts_nothing(api_as):
    api_as("read")
    from django.test import Client

    response = Client().get(
        "/api/v1/allocations/?order_id=1", HTTP_AUTHORIZATION="Bearer " + "gpa_" * 10_000
    )
    assert response.status_code == 401
    assert ApiToken.objects.get().use_count == 0
