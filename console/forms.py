from __future__ import annotations

from django import forms

from .models import time_zone_choices, validate_time_zone


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text="Times are shown in this zone, with the offset.",
    )
