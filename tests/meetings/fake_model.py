"""A model client for the ``llm`` engine's tests: recorded or computed answers, calls and concurrency kept."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Answer = Callable[[dict[str, Any]], str]


def extraction_for(body: dict[str, Any]) -> str:
    """A valid answer citing the first segment number of the prompt."""
    prompt = body["messages"][1]["content"]
    first = int(prompt.split("[", 1)[1].split("]", 1)[0])
    return json.dumps(
        {
            "summary": [f"Segment {first} was discussed."],
            "decisions": [{"text": f"Decision from segment {first}", "segment_refs": [first]}],
            "action_items": [
                {"task": f"Follow up on segment {first}", "owner_name": "Bob Chen", "segment_refs": [first]}
            ],
            "topics": ["roadmap"],
        }
    )


@dataclass
class FakeModel:
    """A model client answering with ``answer`` after ``delay_s``, recording concurrency and calls."""

    answer: Answer = extraction_for
    delay_s: float = 0.0
    headroom: int | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0

    async def chat(self, body: dict[str, Any], *, request_id: str) -> dict[str, Any]:
        self.calls.append(body)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(self.delay_s)
        self.in_flight -= 1
        return {"choices": [{"message": {"role": "assistant", "content": self.answer(body)}}]}

    def estimate_cost(self, model: str, input_tokens: int, max_output_tokens: int) -> int:
        return input_tokens + max_output_tokens

    async def budget_headroom(self) -> int | None:
        return self.headroom
