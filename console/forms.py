from __future__ import annotations

import re

from django import forms
from django.conf import settings

from exotel.ids import MAX_ID_LENGTH

from .models import time_zone_choices, validate_time_zone
from .selectors import MAX_LOOKUP_LINES, MAX_QUERY_LENGTH

# The zones most of the people using the console are in, offered before the other ~600.
COMMON_TIME_ZONES = (
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Singapore",
    "Asia/Dhaka",
    "Asia/Kathmandu",
    "Asia/Colombo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
)


class ProfileForm(forms.Form):
    # A text box with a list of suggestions the browser filters as one types (no script):
    # a select of every zone is ~600 options long.
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        validators=[validate_time_zone],
        widget=forms.TextInput(
            attrs={
                "list": "time-zone-options",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "tz-help",
            }
        ),
        help_text="Type a city or region, e.g. Kolkata or London. Times are shown in this "
        "zone, named when it is not the deployment's.",
    )

    def zone_suggestions(self) -> list[str]:
        """The deployment's zone and the common ones first, then every other zone."""
        known = [name for name, _ in time_zone_choices()]
        first = [settings.TIME_ZONE, *COMMON_TIME_ZONES]
        first = [name for name in dict.fromkeys(first) if name in known]
        return first + [name for name in known if name not in first]


class LookupForm(forms.Form):
    """The bulk lookup: identifiers of any kind, one per line."""

    identifiers = forms.CharField(
        label="Identifiers, one per line",
        help_text=(
            f"Order IDs, GreenPin IDs, call SIDs, phone numbers or their last 6 digits; at most "
            f"{MAX_LOOKUP_LINES} lines."
        ),
        # Room for every line at the longest an identifier can be.
        max_length=MAX_LOOKUP_LINES * (MAX_QUERY_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    format = forms.ChoiceField(choices=[("html", "page"), ("csv", "CSV")], required=False)

    def clean_identifiers(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["identifiers"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Paste at least one identifier.")
        if len(lines) > MAX_LOOKUP_LINES:
            raise forms.ValidationError(
                f"At most {MAX_LOOKUP_LINES} lines at once; this has {len(lines):,}."
            )
        return lines


MAX_TRACK_IDS = 1000


class TrackForm(forms.Form):
    """GreenPin IDs to start mirroring, one per line (spaces and commas separate them too: no
    ID contains either)."""

    greenpin_ids = forms.CharField(
        label="GreenPin IDs, one per line",
        help_text=f"At most {MAX_TRACK_IDS:,} at once.",
        max_length=MAX_TRACK_IDS * (MAX_ID_LENGTH + 2),
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )

    def clean_greenpin_ids(self) -> list[str]:
        return greenpin_ids_from_text(self.cleaned_data["greenpin_ids"])


def greenpin_ids_from_text(text: str) -> list[str]:
    """The IDs in a pasted list, each once, in order; a form error when there are none or
    more than MAX_TRACK_IDS."""
    ids = list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text) if part))
    if not ids:
        raise forms.ValidationError("Paste at least one GreenPin ID.")
    if len(ids) > MAX_TRACK_IDS:
        raise forms.ValidationError(
            f"At most {MAX_TRACK_IDS:,} IDs at once; this has {len(ids):,}."
        )
    return ids
