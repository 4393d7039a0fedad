"""The project's URLs plus the floor: the least a console page can cost. One authenticated
view, one indexed lookup, a one-line template, through the same gunicorn, middleware,
session and template engine as every page. Served only with `bench/settings.py`, which only
the benchmarks' gunicorn uses; the project's URLs never include it."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import include, path

from allocations.models import Allocation
from exotel.ids import is_exotel_id


@login_required
def floor(request, greenpin_id: str):
    if not is_exotel_id(greenpin_id):
        raise Http404("not a GreenPin ID")
    allocation = (
        Allocation.objects.filter(greenpin_id=greenpin_id).only("greenpin_id", "status").first()
    )
    return render(request, "bench/floor.html", {"allocation": allocation})


urlpatterns = [
    path("bench/floor/<str:greenpin_id>/", floor, name="bench-floor"),
    path("", include("greenpin_admin.urls")),
]
