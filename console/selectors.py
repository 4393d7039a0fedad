"""The one search box: an order ID, a phone number (or its last digits), a GreenPin ID, a call
SID or a virtual number; and the bulk lookup of many of them at once.

Every kind of identifier is one index lookup (a branch). A results page never sorts or counts
every match: each branch is ordered and cut to the rows the page can show before the branches
are put together, and the count stops at COUNT_CAP. So the newest 25 of 100,000 allocations on
one virtual number cost about what the only allocation of an order costs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower

from allocations.models import Allocation, Party, ReversedNumber
from calls.models import Call
from calls.selectors import SUMMARY_FIELDS
from exotel.custom_field import parse_order_id
from exotel.ids import is_exotel_id, looks_like_greenpin_id
from exotel.phones import normalize_phone

# "1,000+" instead of counting a million rows for a number nobody reads exactly.
COUNT_CAP = 1000
# Fewer trailing digits match too many numbers to be a search; more than E.164 allows match
# none.
MIN_SUFFIX_DIGITS = 6
MAX_SUFFIX_DIGITS = 15
# Longer than any identifier a person could mean (order IDs are at most 256 characters).
MAX_QUERY_LENGTH = 256

# Ways people write an order reference around the ID itself: "#43101", "Order 43101",
# "order no. 43101", "Order ID: 43101", "order_id=43101" (also as a whole custom field).
_ORDER_WORDS = re.compile(
    r"^(?:order(?:[ _-]?(?:id|no\.?|number|ref))?(?:\s*[:=#]\s*#?|\s+#?)|#)\s*", re.IGNORECASE
)
# A number typed with separators: digits (any script), spaces, +, -, dots, brackets.
_NUMBERISH = re.compile(r"[\d\s+().-]+")

# The orderings the results offer; each is read from an index (see Allocation.Meta.indexes).
ORDERINGS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "-expires_at": ("-expires_at", "-id"),
    "expires_at": ("expires_at", "id"),
}
DEFAULT_ORDERING = "-created_at"


@dataclass(frozen=True)
class SearchTerms:
    """What one line of search text was read as."""

    text: str
    order_ids: tuple[str, ...] = ()  # the text and the ID it names, as typed
    exotel_id: str = ""  # the text, when it has the shape of a GreenPin ID or call SID
    phone: str = ""  # E.164, when the text is a whole phone number
    suffix: str = ""  # ASCII digits, when the text is the last digits of a number

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def too_long(self) -> bool:
        return len(self.text) > MAX_QUERY_LENGTH

    @property
    def max_length(self) -> int:
        return MAX_QUERY_LENGTH

    @property
    def greenpin_shaped(self) -> bool:
        """Shaped like a GreenPin ID: worth asking Exotel about when the mirror lacks it."""
        return looks_like_greenpin_id(self.text)

    def matches_order(self, order_id: str) -> bool:
        return bool(order_id) and order_id.casefold() in {o.casefold() for o in self.order_ids}

    def matches_id(self, value: str) -> bool:
        return bool(self.exotel_id) and value.lower() == self.exotel_id.lower()

    def matches_number(self, number: str) -> bool:
        if not number:
            return False
        if self.phone:
            return number == self.phone
        return bool(self.suffix) and number.endswith(self.suffix)


def search_terms(query: str) -> SearchTerms:
    """Read `query` as every kind of identifier it could be."""
    text = query.strip()
    if not text or len(text) > MAX_QUERY_LENGTH:
        return SearchTerms(text=text)
    orders = [text]
    if "=" in text and (named := parse_order_id(text)):
        orders.append(named)
    if (bare := _ORDER_WORDS.sub("", text, count=1).strip()) and bare != text:
        orders.append(bare)
    # A custom field's URL-decoding can yield a NUL, which no stored ID holds (and PostgreSQL
    # text cannot hold).
    orders = [order for order in orders if "\x00" not in order]
    phone = normalize_phone(text) or ""
    return SearchTerms(
        text=text,
        order_ids=tuple(dict.fromkeys(orders)),
        exotel_id=text if is_exotel_id(text) else "",
        phone=phone,
        suffix="" if phone else _suffix_digits(text),
    )


def _suffix_digits(text: str) -> str:
    if not _NUMBERISH.fullmatch(text):
        return ""
    # Digits of any script (Devanagari, fullwidth…) as ASCII, as numbers are stored.
    digits = "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())
    return digits if MIN_SUFFIX_DIGITS <= len(digits) <= MAX_SUFFIX_DIGITS else ""


def _suffix_range(suffix: str) -> tuple[str, str]:
    """The range of reversed numbers that start with the reversed `suffix`: byte order, so
    the upper bound is the prefix with its last character one higher."""
    prefix = suffix[::-1]
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _lowered_in(name: str, values: Iterable[str]) -> Q:
    # The database lowers both sides, so both fold case the same way (SQLite folds ASCII only).
    return reduce(or_, (Q(**{name: Lower(Value(value))}) for value in values))


@dataclass(frozen=True)
class AllocationSearch:
    """The branches of one search: exact matches, and matches by a number's last digits
    (listed, never taken as the answer on their own)."""

    terms: SearchTerms
    exact: list[QuerySet[Allocation]] = field(default_factory=list)
    fuzzy: list[QuerySet[Allocation]] = field(default_factory=list)
    # Each branch's allocation IDs read from the table it looks in (parties, calls), for
    # counting without visiting allocations; None once filters need the allocations' columns.
    keys: list[QuerySet] | None = None

    @property
    def branches(self) -> list[QuerySet[Allocation]]:
        return [*self.exact, *self.fuzzy]

    def filtered(self, apply) -> AllocationSearch:
        """The same search with `apply` (a filter set's filters) applied to each branch."""
        return AllocationSearch(
            terms=self.terms,
            exact=[apply(branch) for branch in self.exact],
            fuzzy=[apply(branch) for branch in self.fuzzy],
        )


def allocation_search_branches(*, query: str) -> AllocationSearch:
    """The index lookups `query` asks for; no query means every allocation."""
    terms = search_terms(query)
    if terms.empty:
        return AllocationSearch(terms=terms, exact=[Allocation.objects.all()])
    mirror = Allocation.objects
    exact: list[QuerySet[Allocation]] = []
    fuzzy: list[QuerySet[Allocation]] = []
    keys: list[QuerySet] = []

    def add(into: list, branch: QuerySet[Allocation], source: QuerySet | None = None) -> None:
        into.append(branch)
        keys.append(branch.values("pk") if source is None else source)

    if terms.order_ids:
        orders = mirror.alias(order_key=Lower("order_id"))
        add(exact, orders.filter(_lowered_in("order_key", terms.order_ids)))
    if terms.exotel_id:
        key = Lower(Value(terms.exotel_id))
        add(exact, mirror.alias(id_key=Lower("greenpin_id")).filter(id_key=key))
        calls = Call.objects.alias(sid_key=Lower("sid")).filter(
            sid_key=key, allocation__isnull=False
        )
        on_calls = calls.values("allocation_id")
        add(exact, mirror.filter(pk__in=on_calls), on_calls)
    if terms.phone:
        add(exact, mirror.filter(virtual_number=terms.phone))
        with_number = Party.objects.filter(number=terms.phone).values("allocation_id")
        add(exact, mirror.filter(pk__in=with_number), with_number)
    if terms.suffix:
        low, high = _suffix_range(terms.suffix)
        numbers = mirror.alias(vn_reversed=ReversedNumber("virtual_number"))
        add(fuzzy, numbers.filter(vn_reversed__gte=low, vn_reversed__lt=high))
        ending_so = (
            Party.objects.alias(reversed=ReversedNumber("number"))
            .filter(reversed__gte=low, reversed__lt=high)
            .values("allocation_id")
        )
        add(fuzzy, mirror.filter(pk__in=ending_so), ending_so)
    return AllocationSearch(terms=terms, exact=exact, fuzzy=fuzzy, keys=keys)


def allocation_search(*, query: str) -> QuerySet[Allocation]:
    """Every allocation matching `query` on any identifier (see `search_terms`), unordered:
    for exports and for narrowing other lists, which need every match. Pages use
    `allocation_search_page`."""
    branches = allocation_search_branches(query=query)
    if branches.terms.empty or not branches.branches:
        return Allocation.objects.none()
    return Allocation.objects.filter(pk__in=_union(branches.branches)).prefetch_related("parties")


def _union(
    branches: Sequence[QuerySet[Allocation]],
    *,
    column: str = "pk",
    ordering: Sequence[str] = (),
    limit: int | None = None,
) -> QuerySet:
    """`column` of the branches' rows, distinct, each branch cut to its first `limit` rows
    in `ordering` before they are put together: no branch is ever read further than that."""
    # SQLite refuses ORDER BY and LIMIT on a member of a UNION: there each cut branch is
    # wrapped in a subquery (`pk IN (… LIMIT n)`), which PostgreSQL does not need.
    direct = connection.features.supports_slicing_ordering_in_compound or len(branches) == 1

    def member(branch: QuerySet[Allocation]) -> QuerySet:
        values = branch.order_by(*ordering).values(column)
        if limit is None:
            return values.order_by()
        if direct:
            return values[:limit]
        keys = branch.order_by(*ordering).values("pk")[:limit]
        return Allocation.objects.filter(pk__in=keys).order_by().values(column)

    parts = [member(branch) for branch in branches]
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])


def allocation_search_probe(*, search: AllocationSearch) -> tuple[list[str], bool]:
    """Up to two GreenPin IDs among the exact matches, and whether the number's last digits
    found anything else: tells a lone match from many without ordering any of them."""
    found: list[str] = []
    if search.exact:
        found = list(
            _union(search.exact, column="greenpin_id", limit=2).values_list(
                "greenpin_id", flat=True
            )
        )[:2]
    if not search.fuzzy:
        return found, False
    others = _union(search.fuzzy, column="greenpin_id", limit=1 + len(found))
    return found, bool(set(others.values_list("greenpin_id", flat=True)) - set(found))


def allocation_search_page(
    *, search: AllocationSearch, ordering: str, offset: int, limit: int
) -> list[Allocation]:
    """`limit` matches from `offset` in `ordering` (a key of ORDERINGS), with their parties
    and the calls their outcome is told from: three queries, however many rows match."""
    if not search.branches:
        return []
    page = allocation_search_page_query(
        search=search, ordering=ordering, offset=offset, limit=limit
    )
    return list(allocation_list_with_calls(page.prefetch_related("parties")))


def allocation_search_page_query(
    *, search: AllocationSearch, ordering: str, offset: int, limit: int
) -> QuerySet[Allocation]:
    """The page's one statement (without its prefetches), for `allocation_search_page` and
    for reading its plan (`.explain()`)."""
    order = ORDERINGS.get(ordering, ORDERINGS[DEFAULT_ORDERING])
    keys = _union(search.branches, ordering=order, limit=offset + limit)
    return Allocation.objects.filter(pk__in=keys).order_by(*order)[offset : offset + limit]


def allocation_search_count(*, search: AllocationSearch, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many allocations match, counted up to `cap`; and whether there are more."""
    if not search.branches:
        return 0, False
    counted = allocation_search_count_query(search=search, cap=cap).count()
    return min(counted, cap), counted > cap


def allocation_search_count_query(*, search: AllocationSearch, cap: int = COUNT_CAP) -> QuerySet:
    """The allocation IDs the capped count counts (at most `cap` + 1 per branch)."""
    if search.keys is None:
        return _union(search.branches, limit=cap + 1)
    return _union_keys(search.keys, limit=cap + 1)


def _union_keys(keysets: Sequence[QuerySet], *, limit: int) -> QuerySet:
    """The distinct allocation IDs of `keysets` (querysets of one column of them, from any
    table), each cut to `limit` rows first."""
    if len(keysets) == 1:
        return keysets[0].order_by()[:limit]
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [keys.order_by()[:limit] for keys in keysets]
    else:  # SQLite: see _union
        parts = [
            Allocation.objects.filter(pk__in=keys.order_by()[:limit]).order_by().values("pk")
            for keys in keysets
        ]
    return parts[0].union(*parts[1:])


def allocation_list_recent() -> QuerySet[Allocation]:
    return Allocation.objects.prefetch_related("parties")


def allocation_list_with_calls(queryset: QuerySet[Allocation]) -> QuerySet[Allocation]:
    """The same allocations with the calls each one's outcome is told from: one query for a
    whole page of rows, however many rows and calls."""
    calls = Call.objects.only("allocation_id", *SUMMARY_FIELDS)
    return queryset.prefetch_related(Prefetch("calls", queryset=calls))


def call_find_unlinked(*, query: str) -> Call | None:
    """A call with this SID (in any case) that belongs to no allocation: its own page is the
    answer."""
    text = query.strip()
    if not is_exotel_id(text):
        return None
    return (
        Call.objects.alias(sid_key=Lower("sid"))
        .filter(sid_key=Lower(Value(text)), allocation__isnull=True)
        .first()
    )


# --- bulk lookup: many identifiers, one query per kind ---------------------------------------

MAX_LOOKUP_LINES = 500


@dataclass
class LookupRow:
    """What one line of a bulk lookup found: one allocation, several, an unlinked call, or
    nothing."""

    line: str
    terms: SearchTerms
    allocation: Allocation | None = None
    several: bool = False
    call_sid: str = ""  # a call with this SID that belongs to no allocation
    by_suffix: bool = False  # found only by a number's last digits

    @property
    def outcome(self) -> str:
        if self.terms.too_long:
            return "too long"
        if self.several:
            return "several found"
        if self.allocation is not None:
            return "found"
        if self.call_sid:
            return "call found"
        return "not found"


# One kind of identifier, looked up for every line in one statement: the lowest and highest
# of at most two matching allocation IDs per value (equal: one match; different: several).
# Each is (table, the allocation ID's column, the condition on `wanted.low`/`wanted.high`),
# written with the same expressions as the indexes so the indexes answer them.
def _lookup_kinds() -> dict[str, tuple[str, str, str]]:
    def reversed_(column: str) -> str:
        # ReversedNumber's SQL on this database.
        if connection.vendor == "postgresql":
            return f'(REVERSE({column}) COLLATE "C")'
        return f"REVERSE({column})"

    def suffix(column: str) -> str:
        return f"{reversed_(column)} >= wanted.low AND {reversed_(column)} < wanted.high"

    return {
        "order": ("allocations_allocation", "id", "LOWER(order_id) = LOWER(wanted.low)"),
        "virtual number": ("allocations_allocation", "id", "virtual_number = wanted.low"),
        "party": ("allocations_party", "allocation_id", "number = wanted.low"),
        "virtual number suffix": ("allocations_allocation", "id", suffix("virtual_number")),
        "party suffix": ("allocations_party", "allocation_id", suffix("number")),
    }


def _first_two(kind: str, wanted: list[tuple[int, str, str]]) -> dict[int, set[int]]:
    """For each (line, low, high): at most two allocation IDs of `kind` matching it."""
    if not wanted:
        return {}
    table, column, condition = _lookup_kinds()[kind]
    # Only this module's constants are formatted into the statement; every value typed by a
    # person is a parameter.
    two = f"(SELECT {column} AS id FROM {table} WHERE {condition} LIMIT 2) AS two"  # noqa: S608
    rows = ", ".join(["(%s, %s, %s)"] * len(wanted))
    sql = (
        f"WITH wanted (line, low, high) AS (VALUES {rows}) "  # noqa: S608
        f"SELECT wanted.line, (SELECT MIN(two.id) FROM {two}), (SELECT MAX(two.id) FROM {two}) "
        "FROM wanted"
    )
    found: dict[int, set[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in wanted for value in row])
        for line, lowest, highest in cursor.fetchall():
            if lowest is not None:
                found.setdefault(line, set()).update({lowest, highest})
    return found


def allocation_lookup(*, searches: Sequence[SearchTerms]) -> list[LookupRow]:
    """Each line read as the search box reads it (`search_terms`), looked up in one query
    per kind of identifier for all lines together, plus one for the allocations found (and
    their parties): the same few queries for 1 line or 500."""
    rows = [LookupRow(line=terms.text, terms=terms) for terms in searches]
    wanted: dict[str, list[tuple[int, str, str]]] = {kind: [] for kind in _lookup_kinds()}
    ids_wanted: dict[str, list[int]] = {}
    for n, row in enumerate(rows):
        terms = row.terms
        wanted["order"] += [(n, order_id, "") for order_id in terms.order_ids]
        if terms.phone:
            wanted["virtual number"].append((n, terms.phone, ""))
            wanted["party"].append((n, terms.phone, ""))
        if terms.suffix:
            low, high = _suffix_range(terms.suffix)
            wanted["virtual number suffix"].append((n, low, high))
            wanted["party suffix"].append((n, low, high))
        if terms.exotel_id:
            ids_wanted.setdefault(terms.exotel_id.lower(), []).append(n)

    exact: dict[int, set[int]] = {}
    fuzzy: dict[int, set[int]] = {}
    for kind, values in wanted.items():
        into = fuzzy if kind.endswith("suffix") else exact
        for n, found in _first_two(kind, values).items():
            into.setdefault(n, set()).update(found)
    if ids_wanted:
        # GreenPin IDs and call SIDs are unique (and ASCII, so lowered alike everywhere).
        by_id = Allocation.objects.alias(id_key=Lower("greenpin_id")).filter(
            id_key__in=list(ids_wanted)
        )
        for greenpin_id, pk in by_id.values_list("greenpin_id", "pk"):
            for n in ids_wanted.get(greenpin_id.lower(), ()):
                exact.setdefault(n, set()).add(pk)
        calls = Call.objects.alias(sid_key=Lower("sid")).filter(sid_key__in=list(ids_wanted))
        for sid, allocation_id in calls.values_list("sid", "allocation_id"):
            for n in ids_wanted.get(sid.lower(), ()):
                if allocation_id is None:
                    rows[n].call_sid = sid
                else:
                    exact.setdefault(n, set()).add(allocation_id)

    single: dict[int, int] = {}
    for n, row in enumerate(rows):
        matched = exact.get(n, set()) | fuzzy.get(n, set())
        if len(matched) > 1:
            row.several = True
        elif matched:
            single[n] = next(iter(matched))
            row.by_suffix = n not in exact
    allocations = Allocation.objects.prefetch_related("parties").in_bulk(set(single.values()))
    for n, pk in single.items():
        rows[n].allocation = allocations.get(pk)
    return rows
