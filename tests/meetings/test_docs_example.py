"""The example minutes of a product meeting in docs/meetings.md are what the engine writes today."""

from __future__ import annotations

import json
from pathlib import Path

from bench.minutes_eval.dataset import load_set, minutes_of

DOC = Path(__file__).parents[2] / "docs" / "meetings.md"


def test_the_documented_minutes_of_the_product_meeting_are_the_engines_output() -> None:
    example = DOC.read_text(encoding="utf-8").split("## Example", 1)[1]
    documented = json.loads(example.split("```json\n", 1)[1].split("\n```", 1)[0])
    meeting = next(m for m in load_set() if m.id == "en_design_remote")
    assert documented == minutes_of(meeting).model_dump(mode="json")
