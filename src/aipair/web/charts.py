"""Charts drawn on the server as SVG geometry (the browser needs no chart library); every chart keeps
its numbers so the page can show them as a table too."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 600
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 180
COLUMN_HEIGHT = 160


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    shown: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """One chart: its title, the drawn bars, the size of its drawing, and the numbers behind it."""

    title: str
    bars: list[Bar]
    width: int
    height: int
    columns: bool = False
    table_headers: tuple[str, str] = ("Item", "Value")

    @property
    def empty(self) -> bool:
        return not self.bars


def horizontal(title: str, rows: list[tuple[str, Decimal, str]], headers: tuple[str, str]) -> Chart:
    """Bars left to right, longest first: (label, value, value as shown)."""
    rows = sorted(rows, key=lambda r: r[1], reverse=True)
    peak = max((r[1] for r in rows), default=Decimal(0)) or Decimal(1)
    span = WIDTH - LABEL_WIDTH - 80
    bars = [
        Bar(
            label,
            value,
            shown,
            LABEL_WIDTH,
            i * (BAR_HEIGHT + BAR_GAP),
            max(1.0, float(value / peak) * span) if value > 0 else 0.0,
            BAR_HEIGHT,
        )
        for i, (label, value, shown) in enumerate(rows)
    ]
    height = max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP)
    return Chart(title, bars, WIDTH, height, table_headers=headers)


def columns(title: str, rows: list[tuple[str, Decimal, str]], headers: tuple[str, str]) -> Chart:
    """Columns in the given order (days), scaled to the tallest."""
    peak = max((r[1] for r in rows), default=Decimal(0)) or Decimal(1)
    step = WIDTH / max(1, len(rows))
    bars = []
    for i, (label, value, shown) in enumerate(rows):
        height = float(value / peak) * COLUMN_HEIGHT if value > 0 else 0.0
        bars.append(
            Bar(label, value, shown, i * step + 1, COLUMN_HEIGHT - height, max(1.0, step - 2), height)
        )
    return Chart(title, bars, WIDTH, COLUMN_HEIGHT + 20, columns=True, table_headers=headers)


@dataclass(frozen=True)
class Gauge:
    """A value against a maximum, with marks (the budget's alert thresholds)."""

    label: str
    used: Decimal
    limit: Decimal | None
    used_text: str
    limit_text: str
    marks: list[int] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        if self.limit is None or self.limit <= 0:
            return None
        return float(self.used / self.limit * 100)

    @property
    def fill(self) -> float:
        """Share of the track to fill, 0–100."""
        return min(100.0, self.percent or 0.0)

    @property
    def level(self) -> str:
        """``ok``, ``warn`` (past the lowest mark or 80 %) or ``over`` (at or past 100 %)."""
        percent = self.percent or 0.0
        if percent >= 100:
            return "over"
        return "warn" if percent >= min(self.marks or [80]) else "ok"
