"""Errors of incident records."""

from __future__ import annotations

from aipair.errors import Conflict, NotFound


class IncidentNotFound(NotFound):
    """No such incident."""

    code = "incident_not_found"


class IncidentTransition(Conflict):
    """The incident is not in a state that allows this (acknowledging twice, noting a resolved one)."""

    code = "incident_state"
