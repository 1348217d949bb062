"""``Annotated`` aliases for the meeting processor services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.meetings.service import MeetingService

Meetings = Annotated[MeetingService, provided(MeetingService)]
