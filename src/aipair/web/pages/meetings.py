"""Meetings: upload with a progress bar, live job state, minutes with their sources, exports, reprocess."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.responses import Response

from aipair.kit.pagination import Pagination
from aipair.meetings.dependencies import Meetings
from aipair.meetings.export import export_json, export_markdown, meeting_detail
from aipair.meetings.schemas import MeetingFilter, MeetingUpload, UploadedFile
from aipair.tenancy.dependencies import Members
from aipair.tenancy.models import Role
from aipair.web.context import Console, redirect
from aipair.web.dependencies import ConsolePage
from aipair.web.forms import parse
from aipair.web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
STATUSES = ("queued", "transcribing", "analysing", "awaiting_budget", "done", "failed")
FINISHED = ("done", "failed")
SECTIONS = (("Key points", "key_points"), ("Decisions", "decisions"), ("Next steps", "next_steps"))


@router.get("/meetings")
async def meetings(
    page: ConsolePage,
    meeting_service: Meetings,
    pages: Pagination,
    status: Annotated[Literal[STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Meetings you may see (your own as an EMPLOYEE), newest first, and the upload form."""
    filters = MeetingFilter(status=status, date_from=None, date_to=None, query=q or None)
    rows = await meeting_service.list_meetings(page.db, page.principal, filters, pages.limit, pages.offset)
    query = "".join(f"&{k}={v}" for k, v in (("status", status), ("q", q)) if v)
    return page.page(
        "meetings.html",
        title="Meetings",
        meetings=rows,
        statuses=STATUSES,
        status=status or "",
        q=q or "",
        pages=pages,
        more=len(rows) == pages.limit,
        query=query,
    )


@router.post("/meetings")
async def upload(
    page: ConsolePage,
    meeting_service: Meetings,
    file: Annotated[UploadFile, File()],
    title: Annotated[str, Form(max_length=300)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    attendees: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    """Store the meeting and queue its processing (the same file twice opens the existing meeting)."""
    values: dict[str, Any] = {"title": title or None, "meeting_date": date or None, "attendees": attendees}
    form = parse(MeetingUpload, values)
    data = await file.read()
    upload = UploadedFile(filename=file.filename or "upload", content_type=file.content_type, data=data)
    meeting, _, _ = await meeting_service.upload(page.db, page.principal, form, upload)
    return redirect(f"/meetings/{meeting.id}")


def _refs(minutes: dict[str, Any]) -> list[int]:
    refs: set[int] = set()
    for _, key in (*SECTIONS, ("Open questions", "open_questions")):
        for entry in minutes.get(key) or []:
            refs.update(entry.get("segment_refs") or [])
    for item in minutes.get("action_items") or []:
        refs.update(item.get("segment_refs") or [])
    return sorted(refs)


async def _members(
    page: Console,
    members: Members,
) -> list[tuple[uuid.UUID, str]]:
    """People an action item can be given to (only those the caller may list)."""
    if not page.principal.at_least(Role.MANAGER):
        return []
    rows = await members.list(page.db, page.principal, 500, 0)
    return [(user.id, user.name or user.email) for membership, user in rows if membership.status == "ACTIVE"]


@router.get("/meetings/{meeting_id}")
async def meeting(
    meeting_id: uuid.UUID, page: ConsolePage, meeting_service: Meetings, members: Members
) -> Response:
    """Status (live while processing), minutes with links to the transcript lines, action items."""
    view = await meeting_service.get(page.db, page.principal, meeting_id)
    detail = meeting_detail(view)
    minutes = detail.minutes or {}
    lines = await meeting_service.transcript_lines(page.db, page.principal, meeting_id, _refs(minutes))
    return page.page(
        "meeting.html",
        title=detail.title or "Meeting",
        meeting=detail,
        minutes=minutes,
        sections=SECTIONS,
        lines=[lines[i] for i in sorted(lines)],
        finished=detail.status in FINISHED,
        members=await _members(page, members),
        today=dt.date.today(),
    )


@router.get("/meetings/{meeting_id}/state")
async def meeting_state(
    meeting_id: uuid.UUID,
    page: ConsolePage,
    meeting_service: Meetings,
) -> Response:
    """The processing state alone (the meeting page polls it without reloading)."""
    view = await meeting_service.get(page.db, page.principal, meeting_id)
    detail = meeting_detail(view)
    return page.page("meeting_state.html", meeting=detail, finished=detail.status in FINISHED, fragment=True)


@router.post("/meetings/{meeting_id}/reprocess")
async def reprocess(
    meeting_id: uuid.UUID,
    page: ConsolePage,
    meeting_service: Meetings,
    engine: Annotated[Literal["local", "llm"] | None, Form()] = None,
) -> Response:
    """Process the meeting again; its results are replaced when done."""
    await meeting_service.reprocess(page.db, page.principal, meeting_id, engine)
    return redirect(f"/meetings/{meeting_id}", "reprocessing")


@router.get("/meetings/{meeting_id}/export.md")
async def export_md(
    meeting_id: uuid.UUID,
    page: ConsolePage,
    meeting_service: Meetings,
) -> Response:
    """The minutes as Markdown."""
    view = await meeting_service.export(page.db, page.principal, meeting_id)
    headers = {"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.md"'}
    return PlainTextResponse(
        export_markdown(view), media_type="text/markdown; charset=utf-8", headers=headers
    )


@router.get("/meetings/{meeting_id}/export.json")
async def export_doc(
    meeting_id: uuid.UUID,
    page: ConsolePage,
    meeting_service: Meetings,
) -> Response:
    """The meeting and its minutes as JSON."""
    view = await meeting_service.export(page.db, page.principal, meeting_id)
    headers = {"Content-Disposition": f'attachment; filename="meeting-{meeting_id}.json"'}
    return JSONResponse(export_json(view), headers=headers)
