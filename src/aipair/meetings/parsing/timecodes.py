"""Clock strings ("01:02:03.450", "02:03", "1:02:03,4") to seconds."""

from __future__ import annotations

import re

_CLOCK = re.compile(r"(?:(?P<h>\d{1,4}):)?(?P<m>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<frac>\d{1,3}))?")


def parse_clock(text: str) -> float | None:
    """Seconds for ``[H:]MM:SS[.mmm|,mmm]``, or ``None`` when ``text`` is not such a clock.

    Minutes and seconds must be below 60; the fraction is read as a decimal (",5" is half a second).
    """
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    minutes, seconds = int(match["m"]), int(match["s"])
    if minutes >= 60 or seconds >= 60:
        return None
    hours = int(match["h"] or 0)
    fraction = float("0." + match["frac"]) if match["frac"] else 0.0
    return hours * 3600 + minutes * 60 + seconds + fraction
