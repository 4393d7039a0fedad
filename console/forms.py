from __future__ import annotations

from django import forms

from .models import TIME_ZONE_CHOICES


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES, help_text="Times are shown in this zone, with the offset."
    )
