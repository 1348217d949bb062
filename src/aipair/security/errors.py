"""Errors of the security signals."""

from __future__ import annotations

from aipair.errors import Forbidden


class StaffOnly(Forbidden):
    """The route is for platform staff acting from the platform company."""

    code = "staff_only"
    default_message = "This is for platform staff (SUPPORT or SUPER_ADMIN) only"
