"""Errors of maintenance windows."""

from __future__ import annotations

from aipair.errors import AppError, Conflict, NotFound, ServiceUnavailable, ValidationFailed


class InMaintenance(ServiceUnavailable):
    """The platform is in a maintenance window; ``Retry-After`` says when it ends."""

    code = "maintenance"
    default_message = "The platform is in maintenance"


class NoticeTooShort(ValidationFailed):
    """A window announced with less notice than required (an emergency may skip it, audited)."""

    code = "maintenance_notice_too_short"


class WindowTooLong(ValidationFailed):
    """A window longer than the longest allowed."""

    code = "maintenance_window_too_long"


class WindowOverlaps(Conflict):
    """Another window covers part of that time."""

    code = "maintenance_window_overlaps"


class WindowNotFound(NotFound):
    """No such maintenance window (or it is over)."""

    code = "maintenance_window_not_found"


class NotInWindow(AppError):
    """Maintenance mode outside an announced window needs ``emergency``."""

    status_code = 409
    code = "maintenance_not_announced"
    default_message = "No announced window is in progress: turning maintenance on now is an emergency"
