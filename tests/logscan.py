"""Every log line the application writes during a test run, kept in one file and searched at the
end for the PINs and phone numbers the run stored, and for the test credentials.

The web process's lines are caught by a handler on the root logger (the production formatter
and filter); real Celery workers log JSON to their output, which `tests/workers.py` appends.
The Exotel stand-in's own lines are left out: it plays the provider, which knows the numbers.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

from greenpin_admin.logs import ContextFilter, JsonFormatter

ENV_VAR = "GREENPIN_TEST_LOG_FILE"
PROVIDER_LOGGERS = ("exotel_standin",)


class _ApplicationOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(PROVIDER_LOGGERS)


def capture_to(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_ApplicationOnly())
    handler.addFilter(ContextFilter())
    logging.getLogger().addHandler(handler)
    os.environ[ENV_VAR] = str(path)
    return handler


def append_worker_output(output: str) -> None:
    """Lines of worker processes (JSON, one per line) join the run's log."""
    path = os.environ.get(ENV_VAR)
    if path and output:
        with open(path, "a", encoding="utf-8") as file:
            file.write(output if output.endswith("\n") else output + "\n")


class Sensitive:
    """PINs and full numbers the run stored, gathered as rows are saved."""

    def __init__(self) -> None:
        self.pins: set[str] = set()
        self.numbers: set[str] = set()

    def saw(self, *, pin: str = "", numbers: Iterable[str] = ()) -> None:
        if pin:
            self.pins.add(pin)
        self.numbers.update(n for n in numbers if n)


def leaks(lines: Iterable[str], sensitive: Sensitive, secrets: Iterable[str]) -> list[str]:
    """Lines containing a stored PIN, a stored number in any common form, or a secret."""
    number_forms: set[str] = set()
    for number in sensitive.numbers:
        digits = re.sub(r"\D", "", number)
        if len(digits) >= 10:
            national = digits[-10:]
            number_forms.update({digits, national, f"{national[:5]} {national[5:]}"})
    needles = [re.escape(form) for form in sorted(number_forms)]
    needles += [re.escape(secret) for secret in secrets if secret]
    patterns = []
    if needles:
        patterns.append(re.compile(r"(?<!\d)(?:" + "|".join(needles) + r")(?!\d)"))
    if sensitive.pins:
        # A PIN alone is four digits: only where it stands as a word of its own.
        pins = "|".join(re.escape(pin) for pin in sorted(sensitive.pins))
        patterns.append(re.compile(r"(?<![\w.:/+-])(?:" + pins + r")(?![\w.:/-])"))
    return [line for line in lines if any(p.search(line) for p in patterns)]
