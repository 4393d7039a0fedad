"""One object per process: a client's HTTP session must never be shared across a fork
(Celery's prefork workers, gunicorn workers), but should be reused within a process."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerProcess(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._pid: int | None = None

    def get(self) -> T:
        if self._value is None or self._pid != os.getpid():
            self._value = self._factory()
            self._pid = os.getpid()
        return self._value
