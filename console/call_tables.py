from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string

from calls.models import Call

from .templatetags.console import duration, local_time, phone, status_badge

SIDE_LABELS = {"A": "A-party", "B": "B-party"}


class CallTable(tables.Table):
    start_time = tables.Column(verbose_name="Started", linkify=True)
    from_number = tables.Column(verbose_name="Caller")
    to_number = tables.Column(verbose_name="Called")
    ring = tables.Column(verbose_name="Rang", empty_values=(), orderable=False)
    talk_duration = tables.Column(verbose_name="Talked")
    status = tables.Column(verbose_name="Outcome")
    recording = tables.Column(empty_values=(), orderable=False)

    class Meta:
        model = Call
        fields = ("start_time", "from_number", "to_number", "ring", "talk_duration", "status")
        order_by = ("-start_time",)
        attrs = {"class": "table calls"}
        empty_text = "No calls have been connected through this allocation yet."

    def __init__(self, *args, party_sides: dict[str, str], can_play: bool, reveal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.party_sides = party_sides
        self.can_play = can_play
        self.reveal = reveal

    def render_start_time(self, value):
        return local_time(value)

    def _party(self, number: str) -> str:
        label = SIDE_LABELS.get(self.party_sides.get(number, ""), "")
        shown = phone(number, self.reveal)
        return f"{shown} ({label})" if label else shown

    def render_from_number(self, value: str) -> str:
        return self._party(value)

    def render_to_number(self, value: str) -> str:
        return self._party(value)

    def render_ring(self, record: Call) -> str:
        return duration(record.ring_duration)

    def render_talk_duration(self, value) -> str:
        return duration(value)

    def render_status(self, value: str) -> str:
        return status_badge(value)

    def render_recording(self, record: Call) -> str:
        return render_to_string(
            "console/includes/recording_player.html", {"call": record, "can_play": self.can_play}
        )
