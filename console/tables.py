from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import EmptyPage, Paginator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from allocations.models import Allocation

from .case_summary import case_summary_for_allocation
from .masking import mask_phone
from .templatetags.console import status_badge

# Query parameters bound what a page may cost: no page past this (its OFFSET would overflow
# the database's integer long before), and no more rows than this on one page.
MAX_PAGE = 10_000
MAX_PER_PAGE = 100


class _Bounded:
    def __init__(self, object_list, per_page, *args, **kwargs):
        super().__init__(object_list, min(max(1, int(per_page)), MAX_PER_PAGE), *args, **kwargs)

    def validate_number(self, number):
        number = super().validate_number(number)
        if number > MAX_PAGE:
            raise EmptyPage(f"there is no page past {MAX_PAGE}")
        return number


class BoundedLazyPaginator(_Bounded, tables.LazyPaginator):
    """A paginator that never counts the rows (a million take longer than the page)."""


class BoundedPaginator(_Bounded, Paginator):
    """A paginator with a page count, for short lists."""


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
        return status_badge(record.status, record.get_status_display())

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
