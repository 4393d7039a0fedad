"""What the console's rules mean in Django admin: numbers read any way, and masked for those
who may not see them."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from console.masking import mask_phone, mask_pin
from exotel.phones import normalize_phone

NUMBER_PERMISSION = "allocations.view_full_number"


class PhoneNumberSearchMixin:
    """Admin search that reads a phone number typed any common way (`+91 99000 12345`).

    Exact-match `search_fields` split the term on spaces and demand every part, so a number
    with spaces would find nothing: a term that is a phone number is searched in E.164 whole.
    """

    phone_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        number = normalize_phone(search_term) if search_term else None
        if number and self.phone_search_fields:
            matches = queryset.none()
            for field in self.phone_search_fields:
                matches |= queryset.filter(**{field: number})
            return matches.distinct(), True
        return super().get_search_results(request, queryset, search_term)


def _masked_display(name: str, mask, label: str):
    @admin.display(description=label, ordering=name)
    def display(self, obj) -> str:
        return mask(getattr(obj, name))

    return display


class MaskingAdminMixin:
    """Shows `number_fields` masked (`+91 99XXX XX345`) to admin users without the reveal
    permission and `pin_fields` masked (`••••`) to everyone, in lists and forms alike; masked
    fields are also read-only. `<name>_masked` displays are generated for each."""

    number_fields: tuple[str, ...] = ()
    pin_fields: tuple[str, ...] = ()
    # Raw payloads holding numbers and PINs: shown only with both permissions.
    payload_fields: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A class may define its own `<name>_masked` (a payload with numbers hidden, say).
        for name in cls.number_fields:
            if f"{name}_masked" not in cls.__dict__:
                label = name.replace("_", " ")
                setattr(cls, f"{name}_masked", _masked_display(name, mask_phone, label))
        for name in cls.pin_fields:
            if f"{name}_masked" not in cls.__dict__:
                setattr(cls, f"{name}_masked", _masked_display(name, mask_pin, name.upper()))

    def _shown(self, request, names):
        numbers = request.user.has_perm(NUMBER_PERMISSION)
        # No admin page shows a PIN, whoever looks: a PIN is a live secret, revealed only on
        # the allocation page, one at a time and audited.
        pins = False
        shown = []
        for name in names:
            if name in self.payload_fields and not (numbers and pins):
                continue
            hidden = (name in self.number_fields and not numbers) or (
                name in self.pin_fields and not pins
            )
            if hidden:
                shown.append(f"{name}_masked")
            else:
                shown.append(name)
        return shown

    def get_list_display(self, request):
        return self._shown(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._shown(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._shown(request, super().get_readonly_fields(request, obj))


def pretty_payload(payload, *, hide: set[str]) -> str:
    """A stored payload for admins, with the values of `hide` keys replaced."""

    def scrub(value):
        if isinstance(value, dict):
            return {k: "(hidden)" if k in hide and v else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    return format_html("<pre>{}</pre>", json.dumps(scrub(payload), indent=2, sort_keys=True))
