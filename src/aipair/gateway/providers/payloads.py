"""The payload and usage types under every provider module (streaming included).

``base`` re-exports both; modules that ``base`` itself imports take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
"""A JSON object as parsed by orjson: the request and response payloads of the gateway."""


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens consumed by one call, as billed.

    For duration-priced transcription models (``Price.unit == "audio_second"``) ``input_tokens`` counts
    audio seconds, rounded up.
    """

    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output."""
        return self.input_tokens + self.output_tokens

    def to_openai(self) -> JsonObject:
        """The ``usage`` object of an OpenAI chat completion."""
        return {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
        }
