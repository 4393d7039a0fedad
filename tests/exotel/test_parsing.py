from __future__ import annotations

from datetime import UTC, datetime

import pytest

from exotel.custom_field import parse_order_id
from exotel.phones import format_phone, normalize_phone
from exotel.times import parse_exotel_time


@pytest.mark.parametrize(
    ("custom_field", "order_id"),
    [
        ("order_id=12345", "12345"),
        ("city=BLR&order_id=12345&store=7", "12345"),
        ("order_id=ORD%2F7781&city=BLR", "ORD/7781"),
        ("order_id=A+B", "A B"),
        ("ORD-99812", "ORD-99812"),
        ("city=BLR&store=7", ""),
        ("", ""),
        (None, ""),
        ("  ", ""),
    ],
)
def test_order_id_is_parsed_from_the_custom_field(custom_field, order_id):
    assert parse_order_id(custom_field) == order_id


def test_the_order_key_is_a_setting(settings):
    settings.ORDER_ID_KEY = "ref"
    assert parse_order_id("order_id=1&ref=R-77") == "R-77"


@pytest.mark.parametrize(
    "typed", ["99000 12345", "099000 12345", "+91 99000 12345", "919900012345", "+91-9900012345"]
)
def test_every_common_indian_format_normalises_to_one_number(typed):
    assert normalize_phone(typed) == "+919900012345"


@pytest.mark.parametrize("typed", ["12345", "gp_abc123", "", "ORD-9981", "4821"])
def test_order_ids_and_pins_are_not_taken_for_phone_numbers(typed):
    assert normalize_phone(typed) is None


def test_numbers_are_shown_grouped():
    assert format_phone("+919900012345") == "+91 99000 12345"


def test_times_with_an_offset_keep_it():
    assert parse_exotel_time("2024-06-15T10:30:00+05:30") == datetime(2024, 6, 15, 5, 0, tzinfo=UTC)


def test_times_without_an_offset_are_read_in_exotel_time_zone():
    assert parse_exotel_time("2024-06-15 10:30:00") == datetime(2024, 6, 15, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("empty", [None, "", "null"])
def test_empty_times_are_none(empty):
    assert parse_exotel_time(empty) is None


def test_unreadable_times_are_an_error():
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_exotel_time("yesterday")
