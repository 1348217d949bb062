"""The jobs every worker knows: each domain's ``tasks.py`` exposes ``jobs: JobGroup``, found on disk."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass, field
from typing import Any

from aipair.worker.jobs import JobGroup, JobSpec, Schedule

PACKAGE = "aipair"


@dataclass
class JobRegistry:
    """Job specs by name and the schedules to run."""

    specs: dict[str, JobSpec[Any, Any]] = field(default_factory=dict)
    schedules: list[Schedule] = field(default_factory=list)

    def add(self, group: JobGroup[Any]) -> None:
        """Add a domain's jobs; names must be unique across domains."""
        clash = set(self.specs) & set(group.specs)
        if clash:
            raise ValueError(f"jobs declared twice: {sorted(clash)}")
        self.specs.update(group.specs)
        self.schedules.extend(group.schedules)

    @property
    def names(self) -> list[str]:
        return sorted(self.specs)


def job_modules(package: str = PACKAGE) -> list[str]:
    """``<package>.<domain>.tasks`` for every domain that has a ``tasks.py``."""
    root = importlib.import_module(package)
    candidates = (
        f"{package}.{info.name}.tasks" for info in pkgutil.iter_modules(root.__path__) if info.ispkg
    )
    return sorted(name for name in candidates if importlib.util.find_spec(name) is not None)


def load_registry(modules: list[str] | None = None) -> JobRegistry:
    """Import each job module (default: every domain's ``tasks.py``) and collect its ``jobs`` group."""
    registry = JobRegistry()
    for name in job_modules() if modules is None else modules:
        group = importlib.import_module(name).jobs
        if not isinstance(group, JobGroup):
            raise TypeError(f"{name}.jobs is not a JobGroup")
        registry.add(group)
    return registry
