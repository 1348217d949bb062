"""Minutes engines. ``local`` is rule-based and offline; the gateway engine is wired elsewhere."""

from aipair.meetings.engines.local import build_minutes, extract_chunk

__all__ = ["build_minutes", "extract_chunk"]
