"""The floor the benchmarks set the pages against: served only under the benchmarks'
settings, to a logged-in person, one lookup past the session, never a 5xx."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench.settings import ROOT_URLCONF as BENCH_URLCONF
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from tests.factories import AllocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_settings(settings):
    settings.ROOT_URLCONF = BENCH_URLCONF
    settings.TEMPLATES = BENCH_TEMPLATES
    return settings


def test_the_projects_urls_have_no_floor():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/gp_floor/")


def test_it_renders_one_line_with_one_lookup(bench_settings, staff_client):
    AllocationFactory(greenpin_id="gp_floor", status="active")
    staff_client.get("/bench/floor/gp_floor/")  # the session's first use
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/bench/floor/gp_floor/")
    assert response.status_code == 200
    assert response.content.decode().strip() == "gp_floor active"
    lookups = [q["sql"] for q in queries if "allocations_allocation" in q["sql"]]
    assert len(lookups) == 1


def test_it_sends_a_stranger_to_log_in(bench_settings, client):
    response = client.get("/bench/floor/gp_floor/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_project_pages_are_still_served_beside_it(bench_settings, staff_client):
    AllocationFactory(greenpin_id="gp_floor")
    assert staff_client.get("/allocations/gp_floor/").status_code == 200


@pytest.mark.parametrize(
    "greenpin_id",
    [
        "gp_missing",
        "x" * 5000,
        "gp_%00",
        "%00",
        "gp_%C3%BC",
        "'%20OR%201=1%20--",
        "%25_%25",
        "..%2F..%2Fetc",
        "%F0%9F%92%A9",
    ],
)
def test_hostile_ids_never_answer_a_5xx(bench_settings, staff_client, greenpin_id):
    response = staff_client.get(f"/bench/floor/{greenpin_id}/")
    assert response.status_code < 500
