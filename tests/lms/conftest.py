"""Fixtures shared by the ``lms`` tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """``timezone.now`` frozen at a moment the test moves forward."""
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen
