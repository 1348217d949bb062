"""The jobs every worker knows: each module listed here exposes ``jobs: JobGroup``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from aipair.worker.jobs import JobGroup, JobSpec, Schedule

JOB_MODULES = (
    "aipair.worker.housekeeping",
    "aipair.meetings.tasks",
    "aipair.usage.tasks",
    "aipair.ops.tasks",
)


@dataclass
class JobRegistry:
    """Job specs by name and the schedules to run."""

    specs: dict[str, JobSpec] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)

    def add(self, group: JobGroup) -> None:
        """Add a domain's jobs; names must be unique across domains."""
        clash = set(self.specs) & set(group.specs)
        if clash:
            raise ValueError(f"jobs declared twice: {sorted(clash)}")
        self.specs.update(group.specs)
        self.schedules.extend(group.schedules)

    @property
    def names(self) -> list[str]:
        return sorted(self.specs)


def load_registry(modules: tuple[str, ...] = JOB_MODULES) -> JobRegistry:
    """Import each job module and collect its ``jobs`` group."""
    registry = JobRegistry()
    for name in modules:
        group = importlib.import_module(name).jobs
        if not isinstance(group, JobGroup):
            raise TypeError(f"{name}.jobs is not a JobGroup")
        registry.add(group)
    return registry
