"""One status badge for every status on every page, with what it means as its tooltip."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from console.templatetags.console import status_badge


@pytest.mark.parametrize(
    ("status", "label", "html"),
    [
        (
            "completed",
            "",
            '<span class="status status-completed" title="answered and talked">completed</span>',
        ),
        ("active", "Active", '<span class="status status-active">Active</span>'),
        (
            "",
            "",
            '<span class="status status-pending" title="no status received yet">unknown</span>',
        ),
        ("failed", "<b>x</b>", '<span class="status status-failed">&lt;b&gt;x&lt;/b&gt;</span>'),
    ],
)
def test_the_badge_says_the_status_escaped(status, label, html):
    assert status_badge(status, label) == html
    rendered = Template("{% load console %}{% status_badge status label %}").render(
        Context({"status": status, "label": label})
    )
    assert rendered == html


@pytest.mark.parametrize(
    ("status", "meaning"),
    [
        ("no-answer", "rang, nobody answered"),
        ("busy", "the called party was busy"),
        ("failed", "did not connect: unreachable, wrong PIN or network"),
        ("canceled", "the caller hung up before an answer"),
        ("<script>", "status not known to this console"),
    ],
)
def test_every_call_outcome_carries_its_meaning_as_a_tooltip(status, meaning):
    assert f'title="{meaning}"' in status_badge(status)
    assert "<script>" not in status_badge(status)


def test_a_badge_may_be_given_its_meaning():
    badge = status_badge("active", "Active", meaning='live "now" <b>')
    assert badge == (
        '<span class="status status-active" title="live &quot;now&quot; &lt;b&gt;">Active</span>'
    )
