"""Building the meeting processor's services from the process runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipair.auth.principal import Principal
from aipair.meetings.gateway_client import GatewayModelClient, GatewayTranscriber
from aipair.meetings.llm import MeetingModelClient
from aipair.meetings.pipeline import MeetingPipeline
from aipair.meetings.service import MeetingService
from aipair.meetings.transcription import SphinxTranscriber, Transcriber

if TYPE_CHECKING:
    from aipair.runtime import Runtime


def build_meetings(runtime: Runtime) -> tuple[MeetingService, MeetingPipeline]:
    """The request-side service and the job-side pipeline, both through the runtime's gateway."""
    settings = runtime.settings.meetings
    gateway = runtime.gateway

    def model_client(principal: Principal) -> MeetingModelClient:
        return GatewayModelClient(gateway, principal)

    def transcribers(principal: Principal) -> list[Transcriber]:
        found: list[Transcriber] = []
        if settings.transcription_model:
            found.append(GatewayTranscriber(gateway, principal, settings.transcription_model))
        if settings.offline_transcription:
            found.append(SphinxTranscriber())
        return found

    upload_limit = runtime.settings.http.max_upload_bytes
    service = MeetingService(
        settings, upload_limit, runtime.tenancy, runtime.members, runtime.jobs, audit=runtime.audit
    )
    pipeline = MeetingPipeline(
        runtime.sessions, settings, runtime.members, model_client, transcribers, audit=runtime.audit
    )
    return service, pipeline
