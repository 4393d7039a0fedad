from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict
from django.utils.html import format_html

from allocations.models import Allocation, AllocationStatus, Party
from calls.models import UNMATCHED_STATES, Call, LinkState
from calls.selectors import call_matching
from exotel.call_statuses import FILTER_STATUSES, STATUS_RANK, TERMINAL_STATUSES
from exotel.ids import MAX_ID_LENGTH, is_exotel_id

from .selectors import allocation_search

YES_NO = [("yes", "Yes"), ("no", "No")]


class DateRange(django_filters.widgets.DateRangeWidget):
    """Two date pickers, each with its own accessible name, read "<from> to <until>"; the
    field's label points at the first."""

    def __init__(self):
        super().__init__(
            attrs={"type": "date"},
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for widget, word in zip(context["widget"]["subwidgets"], ("from", "to"), strict=True):
            widget["attrs"]["aria-label"] = f"{name.replace('_', ' ')} {word}"
        return context

    def id_for_label(self, id_):
        # A label for the pair names the first date, never nothing.
        return f"{id_}_0" if id_ else ""

    def render(self, name, value, attrs=None, renderer=None):
        subwidgets = self.get_context(name, value, attrs)["widget"]["subwidgets"]
        first, last = (
            widget.render(sub["name"], sub["value"], sub["attrs"], renderer)
            for widget, sub in zip(self.widgets, subwidgets, strict=True)
        )
        return format_html(
            '<span class="date-range">{} <span class="date-range-to">to</span> {}</span>',
            first,
            last,
        )


# Dates a person may filter on; 0001-01-01 in a zone east of UTC is before year 1 in UTC,
# which no datetime can hold.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9998, 12, 31)


class BoundedDateRangeField(django_filters.fields.DateRangeField):
    def compress(self, data_list):
        for day in data_list or ():
            if day and not EARLIEST_DATE <= day <= LATEST_DATE:
                raise forms.ValidationError(
                    f"Dates go from {EARLIEST_DATE:%Y-%m-%d} to {LATEST_DATE:%Y-%m-%d}."
                )
        return super().compress(data_list)


class BoundedDateRangeFilter(django_filters.DateFromToRangeFilter):
    """From one date to another, within dates any time zone can convert."""

    field_class = BoundedDateRangeField


class AllocationFilter(django_filters.FilterSet):
    """The filters beside the search box; each is an indexed condition or an EXISTS."""

    status = django_filters.ChoiceFilter(choices=AllocationStatus.choices, empty_label="Any")
    created = BoundedDateRangeFilter(
        field_name="created_at", label="Created between", widget=DateRange()
    )
    expires = BoundedDateRangeFilter(
        field_name="expires_at", label="Expires between", widget=DateRange()
    )
    has_calls = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_has_calls", label="Has calls", empty_label="Any"
    )
    has_recording = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_has_recording", label="Has a recording", empty_label="Any"
    )
    unmatched = django_filters.ChoiceFilter(
        choices=YES_NO,
        method="filter_unmatched",
        label="Unmatched calls on its number",
        empty_label="Any",
    )

    class Meta:
        model = Allocation
        fields = ["status"]

    def filter_has_calls(self, queryset, name, value):
        return self._exists(queryset, value, Call.objects.filter(allocation=OuterRef("pk")))

    def filter_has_recording(self, queryset, name, value):
        recorded = Call.objects.filter(allocation=OuterRef("pk")).exclude(recording_url="")
        return self._exists(queryset, value, recorded)

    def filter_unmatched(self, queryset, name, value):
        # Calls nobody could link, on its virtual number during its lifetime: the candidates
        # an agent may be looking for.
        unmatched = Call.objects.filter(
            link_state__in=UNMATCHED_STATES,
            to_number=OuterRef("virtual_number"),
            start_time__gte=OuterRef("created_at"),
        ).filter(Q(start_time__lte=OuterRef("expires_at")))
        return self._exists(queryset, value, unmatched)

    @staticmethod
    def _exists(queryset, value, subquery):
        if value == "yes":
            return queryset.filter(Exists(subquery))
        if value == "no":
            return queryset.exclude(Exists(subquery))
        return queryset


LINK_CHOICES = [("linked", "Linked to an allocation"), ("unmatched", "Unmatched")]
DIRECTION_CHOICES = [
    ("inbound", "inbound"),
    ("incoming", "incoming"),
    ("outbound-dial", "outbound-dial"),
    ("outbound-api", "outbound-api"),
]
# Talk-time bounds beyond a day are typing mistakes; the database's integer ends far above.
MAX_TALK_SECONDS = 86_400
# The search box's own limits apply to a search carried over from the allocation search.
MAX_QUERY_LENGTH = 256


def caller_choices() -> list[tuple[str, str]]:
    """The two sides by the deployment's labels, read when the form is built."""
    return [
        ("A", settings.A_PARTY_LABEL),
        ("B", settings.B_PARTY_LABEL),
        ("other", f"Neither {settings.A_PARTY_LABEL} nor {settings.B_PARTY_LABEL}"),
    ]


class SecondsField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_TALK_SECONDS)
        super().__init__(*args, **kwargs)


class SecondsFilter(django_filters.NumberFilter):
    field_class = SecondsField


class CallFilter(django_filters.FilterSet):
    """The filters of the calls list and its export; each an indexed condition, a plain
    comparison within the date range, or a UNION of index lookups."""

    q = django_filters.CharFilter(
        method="filter_q",
        label="Phone, virtual number, call SID or order ID",
        max_length=MAX_QUERY_LENGTH,
    )
    status = django_filters.MultipleChoiceFilter(
        choices=[(s, s) for s in FILTER_STATUSES],
        method="filter_status",
        label="Outcome",
        widget=forms.CheckboxSelectMultiple,
    )
    caller = django_filters.ChoiceFilter(
        choices=caller_choices, method="filter_caller", label="Who called", empty_label="Anyone"
    )
    direction = django_filters.ChoiceFilter(choices=DIRECTION_CHOICES, empty_label="Any")
    link = django_filters.ChoiceFilter(
        choices=LINK_CHOICES, method="filter_link", label="Link", empty_label="Any"
    )
    has_recording = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_has_recording", label="Has a recording", empty_label="Any"
    )
    started = BoundedDateRangeFilter(
        field_name="start_time", label="Started between", widget=DateRange()
    )
    talk_min = SecondsFilter(
        field_name="talk_duration", lookup_expr="gte", label="Talk time at least (s)"
    )
    talk_max = SecondsFilter(
        field_name="talk_duration", lookup_expr="lte", label="Talk time at most (s)"
    )
    in_search = django_filters.CharFilter(
        method="filter_in_search", label="Allocations of the search", max_length=2000
    )
    allocation = django_filters.CharFilter(
        method="filter_allocation", label="GreenPin ID", max_length=MAX_ID_LENGTH
    )

    class Meta:
        model = Call
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(pk__in=call_matching(query=value).values("pk"))

    def filter_status(self, queryset, name, value):
        if not value:
            return queryset
        wanted = set(value)
        # "in progress" covers every status before the end, as the chart counts them.
        if "in-progress" in wanted:
            wanted |= set(STATUS_RANK) - set(TERMINAL_STATUSES) - {""}
        return queryset.filter(status__in=sorted(wanted))

    def filter_link(self, queryset, name, value):
        if value == "linked":
            return queryset.filter(link_state__in=[LinkState.LINKED, LinkState.MANUAL])
        if value == "unmatched":
            return queryset.filter(link_state__in=UNMATCHED_STATES)
        return queryset

    def filter_has_recording(self, queryset, name, value):
        if value == "yes":
            return queryset.exclude(recording_url="")
        if value == "no":
            return queryset.filter(recording_url="")
        return queryset

    def filter_caller(self, queryset, name, value):
        """Calls whose caller is a party of the call's allocation on that side: an index
        lookup per call (party number), never a join of every call and party."""
        party = Party.objects.filter(
            allocation=OuterRef("allocation"), number=OuterRef("from_number")
        )
        if value in ("A", "B"):
            return queryset.filter(Exists(party.filter(side=value)))
        if value == "other":
            return queryset.exclude(Exists(party))
        return queryset

    def filter_allocation(self, queryset, name, value):
        """The calls of one allocation (its page links here for its older calls)."""
        if not is_exotel_id(value):
            return queryset.none()
        return queryset.filter(allocation__greenpin_id=value)

    def filter_in_search(self, queryset, name, value):
        """Calls of the allocations an allocation search (its query string) finds."""
        params = QueryDict(value)
        query = params.get("q", "").strip()[:MAX_QUERY_LENGTH]
        found = allocation_search(query=query) if query else Allocation.objects.all()
        allocations = AllocationFilter(params, queryset=found)
        if not allocations.is_valid():
            return queryset.none()
        return queryset.filter(allocation__in=allocations.qs.order_by().values("pk"))
