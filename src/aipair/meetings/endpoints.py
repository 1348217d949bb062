"""Meetings and action items."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import AfterValidator, ValidationError

from aipair.auth.dependencies import MeetingsCaller, TenantSession
from aipair.edge import storable
from aipair.errors import ValidationFailed
from aipair.kit.pagination import Page, Pagination
from aipair.meetings.dependencies import Meetings
from aipair.meetings.export import (
    action_item_read,
    export_json,
    export_markdown,
    meeting_detail,
    meeting_summary,
)
from aipair.meetings.schemas import (
    ActionItemRead,
    ActionItemUpdate,
    JobRead,
    MeetingAccepted,
    MeetingDetail,
    MeetingFilter,
    MeetingSummary,
    MeetingUpload,
    ReprocessRequest,
    UploadedFile,
)

router = APIRouter(prefix="/api", tags=["meetings"])
StatusFilter = Literal["queued", "transcribing", "analysing", "awaiting_budget", "done", "failed"]
ReviewFilter = Literal["draft", "confirmed", "edited", "rejected"]


@router.post("/meetings", response_model=MeetingAccepted, status_code=202)
async def upload_meeting(
    response: Response,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
    file: Annotated[
        UploadFile, File(description="Transcript (txt, vtt, srt, json) or audio (wav, mp3, m4a, webm)")
    ],
    title: Annotated[str | None, Form(max_length=300), AfterValidator(storable)] = None,
    date: Annotated[dt.date | None, Form(description="Meeting date (default: today)")] = None,
    language: Annotated[Literal["en", "es"] | None, Form(description="Detected when omitted")] = None,
    attendees: Annotated[
        str | None, Form(description="JSON list or comma-separated names"), AfterValidator(storable)
    ] = None,
    engine: Annotated[
        Literal["local", "llm"], Form(description="local (offline) or llm (gateway)")
    ] = "local",
) -> MeetingAccepted:
    """Upload a meeting and queue its processing: 202 with the meeting id and its job.

    The same file uploaded again to the company answers 200 with the existing meeting
    (``duplicate: true``), or 409 ``duplicate_meeting`` (without its id) when that meeting is a
    colleague's you may not see. 413 when the file is over the upload limit, 409 ``storage_limit_exceeded``
    when the company's storage would overflow, 415 for other file types, 422 for a corrupt
    transcript (``details.line``), corrupt audio or audio no provider can transcribe.
    """
    fields = {"title": title, "meeting_date": date, "language": language, "engine": engine}
    try:
        form = MeetingUpload.model_validate({**fields, "attendees": attendees or []})
    except ValidationError as exc:
        raise ValidationFailed(f"attendees: {exc.errors()[0]['msg']}") from None
    data = await file.read()
    upload = UploadedFile(filename=file.filename or "upload", content_type=file.content_type, data=data)
    meeting, job, duplicate = await meetings.upload(session, principal, form, upload)
    if duplicate:
        response.status_code = 200
    return MeetingAccepted(
        id=meeting.id,
        status=meeting.status,
        duplicate=duplicate,
        job=JobRead.model_validate(job) if job else None,
    )


@router.get("/meetings", response_model=Page[MeetingSummary])
async def list_meetings(
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
    page: Pagination,
    status: StatusFilter | None = None,
    date_from: Annotated[dt.date | None, Query(alias="from", description="Meetings on or after")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to", description="Meetings on or before")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in the title or file name")] = None,
) -> Page[MeetingSummary]:
    """Meetings you may see, newest first: your own as an EMPLOYEE, the company's as MANAGER or above."""
    filters = MeetingFilter(status=status, date_from=date_from, date_to=date_to, query=q)
    rows = await meetings.list_meetings(session, principal, filters, page.limit, page.offset)
    return Page.of([meeting_summary(m) for m in rows], page)


@router.get("/meetings/{meeting_id}", response_model=MeetingDetail)
async def get_meeting(
    meeting_id: uuid.UUID,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
) -> MeetingDetail:
    """A meeting with its status and progress, its job, the minutes and the action items."""
    return meeting_detail(await meetings.get(session, principal, meeting_id))


@router.delete("/meetings/{meeting_id}", status_code=204)
async def delete_meeting(
    meeting_id: uuid.UUID,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
) -> Response:
    """Delete a meeting, its minutes and action items, freeing its storage (ADMIN or OWNER)."""
    await meetings.delete(session, principal, meeting_id)
    return Response(status_code=204)


@router.post("/meetings/{meeting_id}/reprocess", response_model=MeetingAccepted, status_code=202)
async def reprocess_meeting(
    meeting_id: uuid.UUID,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
    body: ReprocessRequest | None = None,
) -> MeetingAccepted:
    """Process the meeting again, optionally with another ``engine``; the results are replaced."""
    engine = body.engine if body else None
    meeting, job = await meetings.reprocess(session, principal, meeting_id, engine)
    return MeetingAccepted(id=meeting.id, status=meeting.status, job=JobRead.model_validate(job))


@router.get("/meetings/{meeting_id}/export.md", response_class=PlainTextResponse)
async def export_meeting_markdown(
    meeting_id: uuid.UUID,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
) -> PlainTextResponse:
    """The minutes as Markdown (409 ``minutes_not_ready`` until processing is done)."""
    view = await meetings.export(session, principal, meeting_id)
    headers = {"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.md"'}
    return PlainTextResponse(
        export_markdown(view), media_type="text/markdown; charset=utf-8", headers=headers
    )


@router.get("/meetings/{meeting_id}/export.json")
async def export_meeting_json(
    meeting_id: uuid.UUID,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
) -> dict[str, Any]:
    """The meeting and its minutes as JSON (409 ``minutes_not_ready`` until processing is done)."""
    return export_json(await meetings.export(session, principal, meeting_id))


@router.patch("/action-items/{item_id}", response_model=ActionItemRead)
async def update_action_item(
    item_id: uuid.UUID,
    body: ActionItemUpdate,
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
) -> ActionItemRead:
    """Confirm (``{"status": "confirmed"}``), reject, or edit an action item; an edit marks it ``edited``."""
    item, sources = await meetings.update_action_item(session, principal, item_id, body)
    return action_item_read(item, sources)


@router.get("/action-items", response_model=Page[ActionItemRead])
async def list_action_items(
    principal: MeetingsCaller,
    session: TenantSession,
    meetings: Meetings,
    page: Pagination,
    owner: Annotated[str | None, Query(description="``me`` or a user id")] = None,
    status: ReviewFilter | None = None,
) -> Page[ActionItemRead]:
    """Action items you may see, soonest due first; ``owner=me`` lists the ones assigned to you."""
    owner_id = _owner(owner, principal.user_id)
    items, sources = await meetings.list_action_items(
        session, principal, owner=owner_id, status=status, limit=page.limit, offset=page.offset
    )
    return Page.of([action_item_read(i, sources) for i in items], page)


def _owner(owner: str | None, me: uuid.UUID | None) -> uuid.UUID | None:
    if owner is None:
        return None
    if owner == "me":
        if me is None:
            raise ValidationFailed("owner=me needs a signed-in person, not an API key")
        return me
    try:
        return uuid.UUID(owner)
    except ValueError:
        raise ValidationFailed("owner must be 'me' or a user id") from None
