"""One status badge for every status on every page."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from console.templatetags.console import status_badge


@pytest.mark.parametrize(
    ("status", "label", "html"),
    [
        ("completed", "", '<span class="status status-completed">completed</span>'),
        ("active", "Active", '<span class="status status-active">Active</span>'),
        ("", "", '<span class="status status-pending">unknown</span>'),
        ("failed", "<b>x</b>", '<span class="status status-failed">&lt;b&gt;x&lt;/b&gt;</span>'),
    ],
)
def test_the_badge_says_the_status_escaped(status, label, html):
    assert status_badge(status, label) == html
    rendered = Template("{% load console %}{% status_badge status label %}").render(
        Context({"status": status, "label": label})
    )
    assert rendered == html
