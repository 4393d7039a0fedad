"""Dates and times in Django admin written as the console writes them (`30 Nov 2026, 14:02
IST`): the viewer's zone, 24-hour clock, always the zone's abbreviation. Input formats stay
Django's own."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "j M Y, H:i T"
