"""``aipair report security``: the runbook's suspicious-activity views, then the platform's own signals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from aipair.security import report_repository as repo


@dataclass(frozen=True)
class Section:
    """One view: a title, its column names and rows."""

    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


async def security_report(
    conn: asyncpg.Connection, actions_per_day: int, large_increase: int
) -> list[Section]:
    """Every suspicious-activity view, in the runbook's order, then the platform's own signals."""
    views: tuple[tuple[str, str, tuple[object, ...]], ...] = (
        (
            "Failed logins in the last hour, more than 10 per account (runbook)",
            repo.RUNBOOK_FAILED_LOGINS,
            (),
        ),
        ("Failed logins in the last hour, more than 10 per source address", repo.FAILED_LOGINS_BY_IP, ()),
        ("SUPPORT actions in the last 24 hours (runbook)", repo.RUNBOOK_SUPPORT_ACTIONS, ()),
        ("Cross-tenant probes in the last 24 hours", repo.PROBES, ()),
        (
            f"Staff members over {actions_per_day} actions a day (last 7 days)",
            repo.SUPPORT_VOLUME,
            (actions_per_day,),
        ),
        (
            f"Temporary limit increases above {large_increase} (last 7 days)",
            repo.LIMIT_INCREASES,
            (large_increase,),
        ),
        ("Rate-limit and budget rejections per key in the last 24 hours", repo.KEY_REJECTIONS, ()),
        (
            "Unusual key use in the last 7 days (new address, spend or error spike, off hours)",
            repo.UNUSUAL_KEY_USE,
            (),
        ),
    )
    sections = []
    for title, query, args in views:
        columns, rows = await repo.view(conn, query, *args)
        sections.append(Section(title, columns, rows))
    return sections
