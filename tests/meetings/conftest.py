"""Fixtures of the meeting-processor tests: sample transcripts and a fixed meeting date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "samples"

# Wednesday. "by Friday" → 2026-03-06, "next Monday" → 2026-03-09.
MEETING_DATE = dt.date(2026, 3, 4)


@pytest.fixture
def sample_bytes() -> Callable[[str], bytes]:
    """Raw bytes of a file in ``tests/meetings/samples``."""

    def read(name: str) -> bytes:
        return (SAMPLES / name).read_bytes()

    return read


@pytest.fixture
def meeting_date() -> dt.date:
    return MEETING_DATE
