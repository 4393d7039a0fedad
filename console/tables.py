from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from allocations.models import Allocation

from .case_summary import case_summary_for_allocation
from .masking import mask_phone


class AllocationTable(tables.Table):
    """Search results. Numbers are masked here; the allocation page can reveal them."""

    greenpin_id = tables.Column(linkify=lambda record: record.get_absolute_url())
    order_id = tables.Column(verbose_name="Order", empty_values=("",), default="—")
    status = tables.Column()
    virtual_number = tables.Column(verbose_name="Virtual number")
    parties = tables.Column(verbose_name="Parties (A → B)", empty_values=(), orderable=False)
    created_at = tables.DateTimeColumn(verbose_name="Created", format="d M H:i")
    expires_at = tables.DateTimeColumn(verbose_name="Expires", format="d M H:i")
    call_count = tables.Column(verbose_name="Calls")
    outcome = tables.Column(verbose_name="Outcome", empty_values=(), orderable=False)

    class Meta:
        model = Allocation
        fields = (
            "greenpin_id",
            "order_id",
            "status",
            "virtual_number",
            "parties",
            "created_at",
            "expires_at",
            "call_count",
            "outcome",
        )
        order_by = ("-created_at",)
        attrs = {"class": "table"}
        empty_text = "No allocation matches."

    def render_status(self, record: Allocation) -> str:
        return format_html(
            '<span class="status status-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_virtual_number(self, value: str) -> str:
        return mask_phone(value)

    def render_parties(self, record: Allocation) -> str:
        def numbers(parties) -> str:
            return format_html_join(", ", "{}", ((mask_phone(p.number),) for p in parties))

        b_side = numbers(record.b_parties) or mark_safe("<em>none yet</em>")
        return format_html("{} → {}", numbers(record.a_parties), b_side)

    def render_outcome(self, record: Allocation) -> str:
        # The calls come prefetched with the page (allocation_list_with_calls).
        return case_summary_for_allocation(allocation=record, calls=record.calls.all()).outcome
