from __future__ import annotations

import django_tables2 as tables
from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.template.loader import render_to_string
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_tables2.data import TableListData

from allocations.models import Allocation
from calls.models import Call
from exotel.call_statuses import status_meaning

from .call_outcomes import call_failure_reason, call_talk_text
from .call_parties import CallParties, call_parties, who_called_whom
from .case_summary import case_summary_for_allocation
from .masking import mask_phone
from .selectors import SearchTerms
from .templatetags.console import duration, local_time, status_badge

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


class PageRows(TableListData):
    """One page of rows the database already ordered: the table shows that order (its
    headers' sort links) and never sorts the rows again."""

    def order_by(self, aliases) -> None:
        return None


class AllocationTable(tables.Table):
    """Search results, a link per row, what the search matched marked. Numbers are masked
    here; the allocation page can reveal them. Only orderings an index serves are offered
    (`console.selectors.ORDERINGS`)."""

    greenpin_id = tables.Column(verbose_name="GreenPin ID", orderable=False)
    order_id = tables.Column(verbose_name="Order", empty_values=("",), default="—", orderable=False)
    status = tables.Column(orderable=False)
    virtual_number = tables.Column(verbose_name="Virtual number", orderable=False)
    parties = tables.Column(
        verbose_name=lazy(lambda: f"{settings.A_PARTY_LABEL} → {settings.B_PARTY_LABEL}", str)(),
        empty_values=(),
        orderable=False,
    )
    created_at = tables.Column(verbose_name="Created")
    expires_at = tables.Column(verbose_name="Expires")
    call_count = tables.Column(verbose_name="Calls", orderable=False)
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
        # The skip link "Skip to the results" lands here: the next Tab is the first result.
        attrs = {"class": "table results", "tbody": {"id": "results", "tabindex": "-1"}}
        empty_text = "No allocation matches."

    def __init__(self, *args, terms: SearchTerms | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = terms or SearchTerms(text="")

    @staticmethod
    def _marked(text: str, matched: bool) -> str:
        return format_html("<mark>{}</mark>", text) if matched else text

    def render_greenpin_id(self, record: Allocation) -> str:
        # The link covers the whole row (CSS), so the row is one target and one tab stop.
        return format_html(
            '<a class="row-link" href="{}">{}</a>',
            record.get_absolute_url(),
            self._marked(record.greenpin_id, self.terms.matches_id(record.greenpin_id)),
        )

    def render_order_id(self, value: str) -> str:
        return self._marked(value, self.terms.matches_order(value))

    def render_status(self, record: Allocation) -> str:
        return status_badge(record.status, record.get_status_display())

    def render_virtual_number(self, value: str) -> str:
        return self._marked(mask_phone(value), self.terms.matches_number(value))

    def render_created_at(self, value) -> str:
        return local_time(value)

    def render_expires_at(self, value) -> str:
        return local_time(value)

    def render_parties(self, record: Allocation) -> str:
        def numbers(parties) -> str:
            return format_html_join(
                ", ",
                "{}",
                (
                    (self._marked(mask_phone(p.number), self.terms.matches_number(p.number)),)
                    for p in parties
                ),
            )

        b_side = numbers(record.b_parties) or mark_safe("<em>none yet</em>")
        return format_html("{} → {}", numbers(record.a_parties), b_side)

    def render_outcome(self, record: Allocation) -> str:
        # The calls come prefetched with the page (allocation_search_page).
        return case_summary_for_allocation(allocation=record, calls=record.calls.all()).outcome


def _label(name: str) -> dict:
    # Each cell names its column, for the narrow layout that stacks a row's cells.
    return {"td": {"data-label": name}}


class CallListTable(tables.Table):
    """Every call, for supervisors. Numbers are always masked here: revealing happens on one
    allocation's page, where it is audited."""

    start_time = tables.Column(verbose_name="Started", linkify=True, attrs=_label("Started"))
    parties = tables.Column(
        verbose_name="Who called whom",
        empty_values=(),
        orderable=False,
        attrs=_label("Who called whom"),
    )
    virtual_number = tables.Column(
        verbose_name="Virtual number",
        empty_values=(),
        orderable=False,
        attrs=_label("Virtual number"),
    )
    status = tables.Column(verbose_name="Outcome", attrs=_label("Outcome"))
    ring = tables.Column(
        verbose_name="Rang", empty_values=(), orderable=False, attrs=_label("Rang")
    )
    # Rendered when empty too: an answered call whose talk time Exotel did not report says so.
    talk_duration = tables.Column(verbose_name="Talked", empty_values=(), attrs=_label("Talked"))
    recording = tables.Column(empty_values=(), orderable=False, attrs=_label("Recording"))
    order = tables.Column(
        verbose_name="Order", empty_values=(), orderable=False, attrs=_label("Order")
    )

    class Meta:
        model = Call
        fields = (
            "start_time",
            "parties",
            "virtual_number",
            "status",
            "ring",
            "talk_duration",
            "recording",
            "order",
        )
        order_by = ("-start_time",)
        attrs = {"class": "table calls"}
        empty_text = "No call matches."

    def __init__(self, *args, can_play: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_play = can_play

    def render_start_time(self, value) -> str:
        return local_time(value)

    @staticmethod
    def _parties(record: Call) -> CallParties:
        # Three cells of a row read who called whom: worked out once per row.
        found = getattr(record, "_parties", None)
        if found is None:
            found = call_parties(record)
            setattr(record, "_parties", found)  # noqa: B010  (a cache on this row only)
        return found

    def render_parties(self, record: Call) -> str:
        parties = self._parties(record)
        callee = parties.callee or parties.virtual_number
        return format_html(
            '{}<br><span class="muted mono">{} → {}</span>',
            who_called_whom(parties),
            mask_phone(parties.caller) or "—",
            mask_phone(callee) or "—",
        )

    def render_virtual_number(self, record: Call) -> str:
        return mask_phone(self._parties(record).virtual_number) or "—"

    def render_status(self, record: Call) -> str:
        reason = call_failure_reason(record, self._parties(record))
        return format_html(
            '{}<br><span class="muted">{}</span>{}',
            status_badge(record.status),
            status_meaning(record.status),
            format_html('<br><span class="call-reason">{}</span>', reason) if reason else "",
        )

    def render_ring(self, record: Call) -> str:
        return duration(record.ring_duration)

    def render_talk_duration(self, record: Call) -> str:
        if record.status == "completed" and record.talk_duration is None:
            return call_talk_text(record)
        return duration(record.talk_duration)

    def render_recording(self, record: Call) -> str:
        return render_to_string(
            "console/includes/recording_player.html", {"call": record, "can_play": self.can_play}
        )

    def render_order(self, record: Call) -> str:
        allocation = record.allocation
        if allocation is None:
            return format_html('<span class="muted">{}</span>', record.order_id or "unmatched")
        return format_html(
            '<a href="{}">{}</a>',
            allocation.get_absolute_url(),
            allocation.order_id or record.order_id or allocation.greenpin_id,
        )
