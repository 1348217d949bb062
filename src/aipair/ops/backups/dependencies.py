"""``Annotated`` alias for the backups service, injected by type."""

from __future__ import annotations

from typing import Annotated

from aipair.kit.injection import provided
from aipair.ops.backups.records import BackupRecords

Backups = Annotated[BackupRecords, provided(BackupRecords)]
