"""The Prometheus text of ``/metrics``: this process, or every process of the server, plus the snapshot.

With ``aipair serve --workers N`` (N > 1) the command creates an empty directory and hands it to the
worker processes as ``PROMETHEUS_MULTIPROC_DIR`` before they start: prometheus-client then keeps each
value in a memory-mapped file per process, and whichever process answers the scrape merges them all.
Counters of a process that died stay counted; its live gauges are dropped at the next scrape.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_FILE = re.compile(r"^gauge_live\w+?_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    """The shared directory when this process writes its values there (multiprocess mode), else None."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        return None
    path = os.environ.get(MULTIPROC_ENV)
    return Path(path) if path else None


def prepare_multiprocess_dir(configured: Path | None) -> Path:
    """An empty directory for the values of the server's processes (``configured`` is emptied first)."""
    if configured is None:
        return Path(tempfile.mkdtemp(prefix="aipair-metrics-"))
    configured.mkdir(parents=True, exist_ok=True)
    for stale in configured.glob("*.db"):
        stale.unlink()
    return configured


def remove_multiprocess_dir(path: Path, configured: Path | None) -> None:
    """Clean up after the server: a directory made for it goes, a configured one is only emptied."""
    if configured is None:
        shutil.rmtree(path, ignore_errors=True)
        return
    for stale in path.glob("*.db"):
        stale.unlink(missing_ok=True)


@contextlib.contextmanager
def shared_metrics(configured: Path | None, workers: int) -> Iterator[None]:
    """Around a server of ``workers`` processes: their values in one directory, made empty before they
    start (the variable must be set before a process imports prometheus-client)."""
    if workers < 2:
        yield
        return
    path = prepare_multiprocess_dir(configured)
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield
    finally:
        del os.environ[MULTIPROC_ENV]
        remove_multiprocess_dir(path, configured)


def render(extra: CollectorRegistry | None = None) -> bytes:
    """Every collector of this process tree in the text format, then ``extra`` (values read at scrape)."""
    shared = multiprocess_dir()
    if shared is None:
        text = generate_latest(REGISTRY)
    else:
        _forget_dead_processes(shared)
        merged = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(merged, path=str(shared))  # type: ignore[no-untyped-call]
        text = generate_latest(merged)
    return text + generate_latest(extra) if extra is not None else text


def _forget_dead_processes(path: Path) -> None:
    """Drop the live gauges of processes that no longer run (a worker the server restarted)."""
    for entry in path.iterdir():
        match = _LIVE_FILE.match(entry.name)
        if match is None:
            continue
        pid = int(match.group(1))
        if not _alive(pid):
            with contextlib.suppress(FileNotFoundError):
                mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
