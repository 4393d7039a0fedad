"""The settings of the benchmarks' gunicorn only: the project's own, plus the floor's URL
(`bench/floor_urls.py`) and its one-line template. Nothing else differs, so the floor goes
through the same middleware, session and authentication as every console page."""

from greenpin_admin.settings import *  # noqa: F403
from greenpin_admin.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.floor_urls"
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]},
    *TEMPLATES[1:],
]
