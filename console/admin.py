from __future__ import annotations

from exotel.phones import normalize_phone


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
