"""Processing one meeting: parse or transcribe → chunk (coverage checked) → extract → merge → validate → save.

Runs inside the ``meetings.process_meeting`` job. Every database step is a short transaction fenced
by the job's lease; model and transcription calls happen between transactions, never inside one.
The final save replaces segments, minutes and action items in one transaction, so a retried or
reprocessed job leaves exactly one set of results. Entering ``awaiting_budget`` is audited
(``meetings.meeting.awaiting_budget``, actor ``system``) so the company's admins see it in their audit
view: once per wait, not on each retry of the waiting job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, TypeVar

import jsonschema
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aipair.audit.models import ActorType
from aipair.audit.service import Actor, AuditService
from aipair.auth.principal import CompanyId, Principal, queued_by
from aipair.config import MeetingSettings
from aipair.db.engine import DbContext, transaction
from aipair.errors import Unprocessable
from aipair.gateway.errors import BudgetExceeded, ModelNotFound, QuotaExceeded, RateLimitExceeded
from aipair.kit.clock import utcnow
from aipair.meetings import repository as repo
from aipair.meetings.chunking import Chunk, chunk_segments, render_transcript, verify_coverage
from aipair.meetings.engines.local import LocalEngine, finish_minutes
from aipair.meetings.engines.prepare import PreparedMeeting, prepare_meeting
from aipair.meetings.errors import NoTranscriptionProvider
from aipair.meetings.llm import LlmEngine, MeetingModelClient
from aipair.meetings.minutes import MINUTES_JSON_SCHEMA, ChunkExtraction, Minutes
from aipair.meetings.models import Engine, Meeting, MeetingActionItem, MeetingMinutes, MeetingStatus
from aipair.meetings.owners import Member, OwnerResolver
from aipair.meetings.parsing import Segment, parse_transcript
from aipair.meetings.transcription import Transcriber
from aipair.meetings.uploads import transcript_name
from aipair.tenancy.members import MemberService
from aipair.tenancy.models import Role
from aipair.worker.errors import PermanentFailure, RetryLater

ModelClients = Callable[[Principal], MeetingModelClient]
Transcribers = Callable[[Principal], Sequence[Transcriber]]
T = TypeVar("T")
_MAX_MEMBERS = 10_000


class ProcessingRun(Protocol):
    """The job attempt processing a meeting (:class:`aipair.worker.context.JobContext` fits)."""

    async def fence(self, session: AsyncSession) -> None: ...

    async def progress(self, percent: int, stage: str | None = None) -> None: ...

    async def log(self, message: str, level: str = "info") -> None: ...


@dataclass(frozen=True)
class LoadedMeeting:
    """What processing needs of a meeting, read in one short transaction."""

    row: Meeting
    company_id: CompanyId
    content: bytes

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    def principal(self) -> Principal:
        """Who the processing acts for: the uploader (person or key), with the least customer role."""
        return Principal(
            company_id=self.company_id,
            role=Role.EMPLOYEE,
            kind="user" if self.row.created_by else "key",
            user_id=self.row.created_by,
            api_key_id=self.row.api_key_id,
            scopes=frozenset({"ai", "meetings"}),
        )


class MeetingPipeline:
    """Turns a stored meeting into minutes; see the module docstring for the transaction rules."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: MeetingSettings,
        members: MemberService,
        model_clients: ModelClients,
        transcribers: Transcribers,
        *,
        audit: AuditService,
    ) -> None:
        self._audit = audit
        self._sessions = sessions
        self._settings = settings
        self._members = members
        self._model_clients = model_clients
        self._transcribers = transcribers

    async def process(self, run: ProcessingRun, company_id: uuid.UUID, meeting_id: uuid.UUID) -> None:
        """Process the meeting end to end; idempotent (results are replaced, never added).

        Raises :class:`RetryLater` while over budget (status ``awaiting_budget``), :class:`PermanentFailure`
        for input no retry can fix, anything else for the queue to retry.
        """
        meeting = await self._load(run, queued_by(company_id), meeting_id)
        if meeting is None:
            await run.log("meeting no longer exists; nothing to do")
            return
        segments = await self._segments(run, meeting)
        prepared = prepare_meeting(segments, meeting.row.attendees, meeting.row.language)
        chunks = chunk_segments(prepared.segments, self._settings.chunk_max_tokens)
        verify_coverage(chunks, len(render_transcript(prepared.segments)))
        await self._state(
            run,
            meeting,
            status=MeetingStatus.ANALYSING,
            progress=10,
            stage="analysing",
            segment_count=len(segments),
            chunk_count=len(chunks),
        )
        await run.log(
            f"{len(segments)} segments in {len(chunks)} chunks, language {prepared.language},"
            f" engine {meeting.row.engine}"
        )
        extractions, model = await self._extract(run, meeting, chunks, prepared)
        minutes = self._assemble(meeting, prepared, extractions)
        await self._save(run, meeting, segments, minutes, model)
        await run.log(f"minutes saved: {len(minutes.action_items)} action items")

    async def give_up(self, company_id: uuid.UUID, meeting_id: uuid.UUID, reason: str) -> None:
        """Mark the meeting failed with ``reason`` (the job failed for good or was cancelled)."""
        async with transaction(self._sessions, DbContext(company_id=company_id)) as session:
            await repo.set_state(
                session,
                queued_by(company_id),
                meeting_id,
                status=MeetingStatus.FAILED,
                stage=None,
                error={"code": "processing_failed", "message": reason[:1000]},
            )

    async def _load(
        self, run: ProcessingRun, company_id: CompanyId, meeting_id: uuid.UUID
    ) -> LoadedMeeting | None:
        async with transaction(self._sessions, DbContext(company_id=company_id)) as session:
            await run.fence(session)
            row = await repo.get(session, company_id, meeting_id, with_content=True)
            if row is None:
                return None
            await repo.set_state(session, company_id, meeting_id, error=None, stage="starting")
            return LoadedMeeting(row, company_id, row.content)

    async def _state(self, run: ProcessingRun, meeting: LoadedMeeting, **values: Any) -> None:
        async with transaction(self._sessions, DbContext(company_id=meeting.company_id)) as session:
            await run.fence(session)
            await repo.set_state(session, meeting.company_id, meeting.id, **values)
        if "progress" in values:
            await run.progress(int(values["progress"]), values.get("stage"))

    async def _segments(self, run: ProcessingRun, meeting: LoadedMeeting) -> list[Segment]:
        row = meeting.row
        if row.source_kind == "transcript":
            try:
                return parse_transcript(
                    transcript_name(row.source_filename, row.source_format), meeting.content
                )
            except Unprocessable as exc:  # validated at upload; a parser change could still refuse it
                raise PermanentFailure(f"{exc.code}: {exc.message}") from exc
        await self._state(run, meeting, status=MeetingStatus.TRANSCRIBING, progress=2, stage="transcribing")
        transcriber = self._transcriber(meeting)
        await run.log(f"transcribing {row.source_format} audio with {transcriber.name}")
        segments = await self._governed(
            run,
            meeting,
            transcriber.transcribe(meeting.content, row.source_filename, row.source_format, row.language),
        )
        if not segments:
            raise PermanentFailure("transcript_empty: no speech was recognised in the audio")
        return segments

    def _transcriber(self, meeting: LoadedMeeting) -> Transcriber:
        for candidate in self._transcribers(meeting.principal()):
            if candidate.supports(meeting.row.source_format, meeting.row.language):
                return candidate
        raise PermanentFailure(f"{NoTranscriptionProvider.code}: {NoTranscriptionProvider.default_message}")

    async def _extract(
        self, run: ProcessingRun, meeting: LoadedMeeting, chunks: Sequence[Chunk], prepared: PreparedMeeting
    ) -> tuple[list[ChunkExtraction] | LocalEngine, str | None]:
        total = max(1, len(chunks))

        async def chunk_done(done: int) -> None:
            await self._state(run, meeting, progress=10 + 85 * done // total, stage=f"chunk {done}/{total}")

        if meeting.row.engine == Engine.LLM:
            engine = self._llm_engine(meeting, prepared)
            await self._check_budget(run, meeting, engine, chunks)
            return await self._governed(
                run, meeting, engine.extract_all(chunks, self._slowed(chunk_done))
            ), engine.model
        local = LocalEngine(prepared, meeting.row.meeting_date)
        for position, chunk in enumerate(chunks, start=1):
            local.extract(chunk.segments)
            await self._slowed(chunk_done)(position)
        return local, None

    def _slowed(self, chunk_done: Callable[[int], Any]) -> Callable[[int], Any]:
        delay = self._settings.chunk_delay_s

        async def report(done: int) -> None:
            if delay:
                await asyncio.sleep(delay)
            await chunk_done(done)

        return report

    def _llm_engine(self, meeting: LoadedMeeting, prepared: PreparedMeeting) -> LlmEngine:
        settings = self._settings
        return LlmEngine(
            client=self._model_clients(meeting.principal()),
            model=settings.llm_model,
            concurrency=settings.llm_concurrency,
            max_output_tokens=settings.llm_max_output_tokens,
            answer_retries=settings.llm_answer_retries,
            meeting_date=meeting.row.meeting_date,
            language=prepared.language,
            attendees=prepared.attendees,
        )

    async def _check_budget(
        self, run: ProcessingRun, meeting: LoadedMeeting, engine: LlmEngine, chunks: Sequence[Chunk]
    ) -> None:
        estimate = engine.estimate_cost(chunks)
        headroom = await self._governed(run, meeting, engine.client.budget_headroom())
        await self._state(run, meeting, estimated_cost_micro_usd=estimate)
        if headroom is not None and estimate > headroom:
            await self._await_budget(run, meeting, estimate, headroom)

    async def _await_budget(
        self, run: ProcessingRun, meeting: LoadedMeeting, estimate: int, headroom: int | None
    ) -> NoReturn:
        left = "an exhausted budget" if headroom is None else f"${headroom / 1e6:.4f} left"
        message = (
            f"Processing needs up to ${estimate / 1e6:.4f} of AI budget and the company has {left}"
            " this period; it resumes by itself once the budget allows (an admin can raise it)."
        )
        error = {
            "code": "awaiting_budget",
            "message": message,
            "estimated_cost_micro_usd": estimate,
            "budget_left_micro_usd": headroom,
        }
        await self._enter_wait(run, meeting, error)
        await run.log(message, "warning")
        raise RetryLater(self._settings.budget_retry_s, "awaiting budget")

    async def _enter_wait(self, run: ProcessingRun, meeting: LoadedMeeting, error: dict[str, Any]) -> None:
        """Show ``awaiting_budget`` with the reason; a new wait is audited in the same transaction.

        A wait is new unless the attempt started from ``awaiting_budget`` (the retry of a waiting job
        passes through ``analysing`` before it meets the budget again, so the status read at load
        time, not the current one, tells a retry from a new wait).
        """
        company_id = meeting.company_id
        async with transaction(self._sessions, DbContext(company_id=company_id)) as session:
            await run.fence(session)
            current = await repo.get(session, company_id, meeting.id)
            if current is None:
                return  # deleted while being processed
            before = {"status": current.status, "stage": current.stage}
            after = {"status": MeetingStatus.AWAITING_BUDGET.value, "stage": "awaiting budget"}
            await repo.set_state(session, company_id, meeting.id, **after, error=error)
            if meeting.row.status == MeetingStatus.AWAITING_BUDGET:
                return
            await self._audit.record(
                session,
                Actor(ActorType.SYSTEM, company_id),
                "meetings.meeting.awaiting_budget",
                "meeting",
                meeting.id,
                before=before,
                after={
                    **after,
                    "estimated_cost_micro_usd": error["estimated_cost_micro_usd"],
                    "budget_left_micro_usd": error["budget_left_micro_usd"],
                },
                reason=str(error["message"]),
            )

    async def _governed(self, run: ProcessingRun, meeting: LoadedMeeting, call: Awaitable[T]) -> T:
        """Await a gateway call: over budget or quota → wait; rate-limited → retry soon; bad model → fail."""
        try:
            return await call
        except (BudgetExceeded, QuotaExceeded) as exc:
            estimate = meeting.row.estimated_cost_micro_usd or 0
            await run.log(f"gateway refused: {exc.code}", "warning")
            await self._await_budget(run, meeting, estimate, None)
        except RateLimitExceeded as exc:
            raise RetryLater(float(exc.retry_after or 5), "rate limited by the gateway") from exc
        except ModelNotFound as exc:
            raise PermanentFailure(f"{exc.code}: {exc.message} (AIPAIR_MEETINGS__LLM_MODEL)") from exc

    def _assemble(
        self,
        meeting: LoadedMeeting,
        prepared: PreparedMeeting,
        extracted: Sequence[ChunkExtraction] | LocalEngine,
    ) -> Minutes:
        """Whole-meeting minutes: the local engine summarises the whole meeting; the model's
        summary sentences are ranked."""
        row = meeting.row
        if isinstance(extracted, LocalEngine):
            minutes = extracted.minutes(row.title)
        else:
            minutes = finish_minutes(prepared, extracted, meeting_date=row.meeting_date, title=row.title)
        jsonschema.validate(minutes.model_dump(mode="json"), MINUTES_JSON_SCHEMA)
        return minutes

    async def _save(
        self,
        run: ProcessingRun,
        meeting: LoadedMeeting,
        segments: Sequence[Segment],
        minutes: Minutes,
        model: str | None,
    ) -> None:
        company_id = meeting.company_id
        async with transaction(self._sessions, DbContext(company_id=company_id)) as session:
            await run.fence(session)
            if await repo.get(session, company_id, meeting.id) is None:
                return  # deleted while being processed
            owners = await self._owners(session, meeting.principal(), minutes)
            record = MeetingMinutes(
                meeting_id=meeting.id,
                company_id=company_id,
                minutes=minutes.model_dump(mode="json"),
                engine=meeting.row.engine,
                model=model,
            )
            items = [
                _item(meeting, position, action, owners)
                for position, action in enumerate(minutes.action_items)
            ]
            await repo.replace_results(session, company_id, meeting.id, segments, record, items)
            await repo.set_state(
                session,
                company_id,
                meeting.id,
                status=MeetingStatus.DONE,
                progress=100,
                stage=None,
                error=None,
                language=minutes.language,
                processed_at=utcnow(),
            )
        await run.progress(100, "done")

    async def _owners(self, session: AsyncSession, principal: Principal, minutes: Minutes) -> OwnerResolver:
        rows = await self._members.list(session, principal, _MAX_MEMBERS, 0)
        active = [
            Member(user.id, user.name, user.email)
            for membership, user in rows
            if membership.status == "ACTIVE"
        ]
        return OwnerResolver(active)


def _item(meeting: LoadedMeeting, position: int, action: Any, owners: OwnerResolver) -> MeetingActionItem:
    return MeetingActionItem(
        id=uuid.uuid4(),
        company_id=meeting.company_id,
        meeting_id=meeting.id,
        position=position,
        task=action.task,
        owner_user_id=owners.resolve(action.owner_name),
        owner_name=action.owner_name,
        due_date=action.due_date,
        due_text=action.due_text,
        priority=action.priority,
        confidence=action.confidence,
        segment_refs=list(action.segment_refs),
        status="draft",
    )


def meeting_date_default() -> dt.date:
    """Today (UTC): the meeting date when the upload does not say."""
    return utcnow().date()
