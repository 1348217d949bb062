"""``Annotated`` aliases for the tenancy services, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.tenancy.members import MemberService
from aipair.tenancy.service import TenancyService

Tenancy = Annotated[TenancyService, provided(TenancyService)]
Members = Annotated[MemberService, provided(MemberService)]
