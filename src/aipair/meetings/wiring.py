"""Building the meeting processor's services (called by the composition root)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.service import AuditService
from aipair.auth.principal import Principal
from aipair.config import MeetingSettings
from aipair.gateway.service import GatewayService
from aipair.meetings.gateway_client import GatewayModelClient, GatewayTranscriber
from aipair.meetings.llm import MeetingModelClient
from aipair.meetings.pipeline import MeetingPipeline
from aipair.meetings.service import MeetingService
from aipair.meetings.transcription import SphinxTranscriber, Transcriber
from aipair.tenancy.members import MemberService
from aipair.tenancy.service import TenancyService
from aipair.worker.service import JobsService


def build_meetings(
    settings: MeetingSettings,
    upload_limit: int,
    *,
    gateway: GatewayService,
    tenancy: TenancyService,
    members: MemberService,
    jobs: JobsService,
    sessions: async_sessionmaker[AsyncSession],
    audit: AuditService,
) -> tuple[MeetingService, MeetingPipeline]:
    """The request-side service and the job-side pipeline, both calling models through the gateway."""

    def model_client(principal: Principal) -> MeetingModelClient:
        return GatewayModelClient(gateway, principal)

    def transcribers(principal: Principal) -> list[Transcriber]:
        found: list[Transcriber] = []
        if settings.transcription_model:
            found.append(GatewayTranscriber(gateway, principal, settings.transcription_model))
        if settings.offline_transcription:
            found.append(SphinxTranscriber())
        return found

    service = MeetingService(settings, upload_limit, tenancy, members, jobs, audit=audit)
    pipeline = MeetingPipeline(sessions, settings, members, model_client, transcribers, audit=audit)
    return service, pipeline
