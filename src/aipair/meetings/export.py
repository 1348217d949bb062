"""Meetings as the API shows and exports them: detail JSON and Markdown minutes.

Exports show the action items as reviewed (confirmed, edited, rejected ones marked), not as first
extracted; each item links back to the segments it came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from aipair.meetings.models import Meeting, MeetingActionItem, MeetingSegment
from aipair.meetings.schemas import ActionItemRead, JobRead, MeetingDetail, MeetingSummary, SegmentRead
from aipair.meetings.service import MeetingView

Sources = Mapping[tuple[uuid.UUID, int], MeetingSegment]
_SECTIONS = (("Key points", "key_points"), ("Decisions", "decisions"), ("Next steps", "next_steps"))


def segment_read(segment: MeetingSegment) -> SegmentRead:
    return SegmentRead(
        index=segment.idx,
        speaker=segment.speaker,
        start=segment.start_s,
        end=segment.end_s,
        text=segment.text,
    )


def action_item_read(item: MeetingActionItem, sources: Sources) -> ActionItemRead:
    """An item with the segments it cites."""
    cited = [
        sources[(item.meeting_id, ref)] for ref in item.segment_refs if (item.meeting_id, ref) in sources
    ]
    return ActionItemRead(
        id=item.id,
        meeting_id=item.meeting_id,
        task=item.task,
        owner_user_id=item.owner_user_id,
        owner_name=item.owner_name,
        due_date=item.due_date,
        due_text=item.due_text,
        priority=item.priority,
        confidence=item.confidence,
        status=item.status,
        segment_refs=list(item.segment_refs),
        sources=[segment_read(s) for s in cited],
        updated_by=item.updated_by,
        updated_at=item.updated_at,
    )


def meeting_summary(meeting: Meeting) -> MeetingSummary:
    return MeetingSummary.model_validate(meeting)


def meeting_detail(view: MeetingView) -> MeetingDetail:
    """The meeting with job, minutes (action items as reviewed) and items."""
    items = [action_item_read(item, view.sources) for item in view.items]
    minutes = dict(view.minutes.minutes) if view.minutes else None
    if minutes is not None:
        minutes["action_items"] = [_minutes_item(item) for item in items]
    summary = meeting_summary(view.meeting).model_dump()
    return MeetingDetail(
        **summary,
        attendees=list(view.meeting.attendees),
        segment_count=view.meeting.segment_count,
        chunk_count=view.meeting.chunk_count,
        estimated_cost_micro_usd=view.meeting.estimated_cost_micro_usd,
        error=view.meeting.error,
        job=JobRead.model_validate(view.job) if view.job else None,
        minutes=minutes,
        action_items=items,
    )


def _minutes_item(item: ActionItemRead) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "task": item.task,
        "owner_name": item.owner_name,
        "owner_user_id": str(item.owner_user_id) if item.owner_user_id else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "due_text": item.due_text,
        "priority": item.priority,
        "confidence": item.confidence,
        "status": item.status,
        "segment_refs": item.segment_refs,
    }


def export_json(view: MeetingView) -> dict[str, Any]:
    """The export document: the meeting's detail without internals (job, storage)."""
    detail = meeting_detail(view).model_dump(mode="json", exclude={"job", "estimated_cost_micro_usd"})
    return detail


def export_markdown(view: MeetingView) -> str:
    """The minutes as a Markdown document."""
    detail = meeting_detail(view)
    minutes = detail.minutes or {}
    lines = [f"# {minutes.get('title') or detail.title or 'Meeting'}", "", f"**Date:** {detail.meeting_date}"]
    if minutes.get("attendees"):
        lines.append(f"**Attendees:** {', '.join(minutes['attendees'])}")
    if minutes.get("summary"):
        lines += ["", "## Summary", "", minutes["summary"]]
    for heading, key in _SECTIONS:
        lines += _item_section(heading, minutes.get(key, []))
    lines += _action_section(detail.action_items)
    lines += _item_section("Open questions", minutes.get("open_questions", []))
    if minutes.get("topics"):
        lines += ["", "## Topics", "", ", ".join(minutes["topics"])]
    return "\n".join(lines) + "\n"


def _refs(refs: Sequence[int]) -> str:
    return f" _(segments {', '.join(str(r) for r in refs)})_" if refs else ""


def _item_section(heading: str, items: Sequence[Mapping[str, Any]]) -> list[str]:
    if not items:
        return []
    return ["", f"## {heading}", "", *(f"- {i['text']}{_refs(i.get('segment_refs', []))}" for i in items)]


def _action_section(items: Sequence[ActionItemRead]) -> list[str]:
    if not items:
        return []
    lines = [
        "",
        "## Action items",
        "",
        "| Task | Owner | Due | Priority | Status | Source |",
        "|---|---|---|---|---|---|",
    ]
    for item in items:
        due = f"{item.due_date} ({item.due_text})" if item.due_date else (item.due_text or "")
        source = ", ".join(str(r) for r in item.segment_refs)
        cells = [item.task, item.owner_name or "", due, item.priority, item.status, source]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return lines


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")
