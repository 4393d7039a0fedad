from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from allocations.models import Allocation, AllocationStatus
from calls.models import UNMATCHED_STATES, Call

YES_NO = [("yes", "Yes"), ("no", "No")]


class DateRange(django_filters.widgets.DateRangeWidget):
    """Two date pickers, each with its own accessible name."""

    def __init__(self):
        super().__init__(
            attrs={"type": "date"},
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for widget, word in zip(context["widget"]["subwidgets"], ("from", "to"), strict=True):
            widget["attrs"]["aria-label"] = f"{name.replace('_', ' ')} {word}"
        return context


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
