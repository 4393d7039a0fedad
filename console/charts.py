"""Stacked bar charts drawn on the server as SVG: no script, no inline style (colours come
from classes in app.css, so dark mode and the Content Security Policy both hold)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from calls.selectors import CallPicture
from exotel.call_statuses import CHART_OUTCOMES, status_meaning

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 28
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    outcome: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_bottom: int
    rects: list[Rect]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    legend: list[tuple[str, str, int]]  # outcome, meaning, count
    description: str


def _nice_ceiling(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return value  # pragma: no cover - the loop always returns


def call_chart(picture: CallPicture) -> Chart:
    """The geometry of the calls-per-bucket chart, stacked by outcome."""
    buckets = picture.buckets
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    top = _nice_ceiling(max((b.total for b in buckets), default=0))
    band = plot_width / max(1, len(buckets))
    bar = max(1.0, band * 0.75)
    rects: list[Rect] = []
    for index, bucket in enumerate(buckets):
        x = LEFT + index * band + (band - bar) / 2
        y: float = TOP + plot_height
        when = _bucket_text(bucket.start, picture.hourly)
        for outcome in CHART_OUTCOMES:
            count = bucket.counts.get(outcome, 0)
            if not count:
                continue
            height = plot_height * count / top
            y -= height
            rects.append(
                Rect(
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(bar, 2),
                    height=round(height, 2),
                    outcome=outcome,
                    title=f"{when}: {count} {outcome}",
                )
            )
    y_ticks = [
        Tick(position=round(TOP + plot_height * (1 - share), 2), text=f"{round(top * share):,}")
        for share in (0, 0.5, 1)
    ]
    step = max(1, math.ceil(len(buckets) / MAX_X_LABELS))
    x_ticks = [
        Tick(
            position=round(LEFT + index * band + band / 2, 2),
            text=_bucket_text(bucket.start, picture.hourly),
        )
        for index, bucket in enumerate(buckets)
        if index % step == 0
    ]
    totals = {o: sum(b.counts.get(o, 0) for b in buckets) for o in CHART_OUTCOMES}
    legend = [(o, status_meaning(o), totals[o]) for o in CHART_OUTCOMES]
    unit = "hour" if picture.hourly else "day"
    description = f"{picture.total:,} calls, per {unit}, stacked by outcome: " + ", ".join(
        f"{o} {totals[o]:,}" for o in CHART_OUTCOMES
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=TOP + plot_height,
        rects=rects,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        legend=legend,
        description=description,
    )


def _bucket_text(start, hourly: bool) -> str:
    return start.strftime("%H:00") if hourly else start.strftime("%d %b")
