from __future__ import annotations

from django import forms
from django.conf import settings

from .models import time_zone_choices, validate_time_zone

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
