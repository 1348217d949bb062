"""Errors shared by the operations domain."""

from __future__ import annotations

from aipair.errors import Forbidden


class StaffOnly(Forbidden):
    """Operations records (incidents, backups) are for platform staff, from the platform company."""

    code = "ops_staff_only"
    default_message = "Only platform staff may see or change this"
