"""Progress of long backup work, shown by the command line as a bar and ignored by background jobs."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the stages of a long operation and how far each has come."""

    def stage(self, description: str, total: int | None = None) -> None: ...

    def advance_to(self, completed: int) -> None: ...

    def advance_by(self, amount: int) -> None: ...

    def note(self, message: str) -> None: ...


class Silent:
    """Progress nobody watches (scheduled jobs log their outcome instead)."""

    def stage(self, description: str, total: int | None = None) -> None:
        return None

    def advance_to(self, completed: int) -> None:
        return None

    def advance_by(self, amount: int) -> None:
        return None

    def note(self, message: str) -> None:
        return None
