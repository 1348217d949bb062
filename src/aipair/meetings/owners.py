"""Matching the owner names of action items to company members (by name or e-mail), never guessing.

A member is known by their display name and by their e-mail ("maria.lopez@x" → "maria lopez"); first
or last names count only when they belong to one member (see :class:`NameIndex`). A name that fits
two members, or none, leaves the item without an owner.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from aipair.meetings.engines.people import NameIndex

_SEPARATORS = str.maketrans({".": " ", "_": " ", "-": " ", "+": " "})


@dataclass(frozen=True, slots=True)
class Member:
    """What owner matching needs to know about a member."""

    user_id: uuid.UUID
    name: str
    email: str


def member_aliases(member: Member) -> list[str]:
    """Names a member may be called by: display name, e-mail and the e-mail's local part as words."""
    local = member.email.split("@")[0].translate(_SEPARATORS)
    aliases = [member.name, member.email, " ".join(w.capitalize() for w in local.split())]
    return [alias.strip() for alias in aliases if alias and alias.strip()]


class OwnerResolver:
    """Resolves owner names to member ids."""

    def __init__(self, members: Sequence[Member]) -> None:
        owners: dict[str, set[uuid.UUID]] = {}
        for member in members:
            for alias in member_aliases(member):
                owners.setdefault(alias.casefold(), set()).add(member.user_id)
        self._owners = {alias: ids.pop() for alias, ids in owners.items() if len(ids) == 1}
        self._index = NameIndex(alias for alias in (a for m in members for a in member_aliases(m)))

    def resolve(self, owner_name: str | None) -> uuid.UUID | None:
        """The member ``owner_name`` designates, or None when it is nobody or ambiguous."""
        if not owner_name or not owner_name.strip():
            return None
        direct = self._owners.get(owner_name.strip().casefold())
        if direct is not None:
            return direct
        canonical = self._index.canonical(owner_name)
        return self._owners.get(canonical.casefold()) if canonical else None

    def resolve_all(self, names: Iterable[str | None]) -> dict[str, uuid.UUID]:
        """Every resolvable name of ``names`` with its member id."""
        found: dict[str, uuid.UUID] = {}
        for name in names:
            user_id = self.resolve(name)
            if name and user_id is not None:
                found[name] = user_id
        return found
