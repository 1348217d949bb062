"""Coalesce concurrent calls: into batches (:class:`Coalescer`) or onto one call (:func:`single_flight`).

No timer and no waiting for a batch to fill: an idle process sends each call at once, a busy one sends
whatever queued up while the previous batch ran. Used where one round trip (one transaction, one WAL
flush, one hot-row lock) for many callers beats one each, and where a cache expiring under load must
not send every waiting request to the database at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, MutableMapping, Sequence
from typing import Generic, TypeVar

__all__ = ["Coalescer", "single_flight"]

T = TypeVar("T")
R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


async def single_flight(
    in_flight: MutableMapping[K, asyncio.Future[R]], key: K, load: Callable[[K], Awaitable[R]]
) -> R:
    """``await load(key)``, shared with every concurrent caller for the same ``key``.

    ``in_flight`` holds the running loads (one per key, removed when done). A caller that is cancelled
    does not cancel the load for the others.
    """
    pending = in_flight.get(key)
    if pending is None:
        pending = asyncio.ensure_future(load(key))
        in_flight[key] = pending
        pending.add_done_callback(lambda _: in_flight.pop(key, None))
    return await asyncio.shield(pending)


class Coalescer(Generic[T, R]):
    """Feeds submitted items to ``run`` (items → one result each, in order), one batch at a time.

    A failing batch fails every item in it with the same exception. Items whose caller stopped waiting
    still run (``submit`` returns the future, so a caller may ``asyncio.shield`` it and learn the outcome).
    """

    def __init__(self, run: Callable[[Sequence[T]], Awaitable[Sequence[R]]], *, max_batch: int = 200):
        self._run = run
        self._max_batch = max_batch
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._drainer: asyncio.Task[None] | None = None

    def submit(self, item: T) -> asyncio.Future[R]:
        """Queue ``item``; the future resolves to its result once its batch has run."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return future

    async def aclose(self) -> None:
        """Wait until every queued item has run."""
        while self._drainer is not None:
            await asyncio.shield(self._drainer)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                await self._run_batch(batch)
        finally:
            self._drainer = None
            for _, future in self._pending:  # only when cancelled (shutdown): nobody will run these
                future.cancel()
            self._pending.clear()

    async def _run_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._run([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} items returned {len(results)} results")
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # handed to every caller of the batch, each of which raises it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
