"""Adapters from the gateway's service to what the meeting processor needs (usage tagged meetings)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aipair.auth.principal import Principal
from aipair.gateway.service import MEETING_OPERATION, GatewayService
from aipair.meetings.llm import JsonObject
from aipair.meetings.parsing.segments import Segment
from aipair.meetings.transcription import segments_from_transcription


@dataclass(frozen=True)
class GatewayModelClient:
    """:class:`~aipair.meetings.llm.MeetingModelClient` through the governed gateway."""

    gateway: GatewayService
    principal: Principal

    async def chat(self, body: JsonObject, *, request_id: str) -> JsonObject:
        return await self.gateway.chat_internal(
            self.principal, body, request_id=request_id, operation=MEETING_OPERATION
        )

    def estimate_cost(self, model: str, input_tokens: int, max_output_tokens: int) -> int:
        return self.gateway.estimate_cost(model, input_tokens, max_output_tokens)

    async def budget_headroom(self) -> int | None:
        return await self.gateway.budget_headroom(self.principal.company_id)


@dataclass(frozen=True)
class GatewayTranscriber:
    """:class:`~aipair.meetings.transcription.Transcriber` through the gateway's transcription models."""

    gateway: GatewayService
    principal: Principal
    model: str
    name: str = "gateway"

    def supports(self, audio_format: str, language: str | None) -> bool:
        return True

    async def transcribe(
        self, data: bytes, filename: str, audio_format: str, language: str | None
    ) -> list[Segment]:
        params = {"response_format": "verbose_json", **({"language": language} if language else {})}
        caller = self.gateway.caller_from_principal(self.principal)
        content, _, _ = await self.gateway.transcribe(
            caller, self.model, data, filename, params, f"mtg-{uuid.uuid4().hex}", MEETING_OPERATION
        )
        return segments_from_transcription(content)
