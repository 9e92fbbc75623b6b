"""Running the store's synchronous SQLite methods on its own single thread."""
from __future__ import annotations

import asyncio
import contextvars
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class StoreClosed(RuntimeError):
    """The store was closed (the cog is unloading): nothing more can be read or written."""

    def __init__(self) -> None:
        super().__init__("Unicornia's database is closed: the cog is unloading or restarting")


def in_worker(method: Callable[..., T]) -> Callable[..., "asyncio.Future[T]"]:
    """Turn a synchronous method that uses ``self.conn`` into a coroutine run on the store's thread
    (StoreClosed once the store has closed, whatever the method)."""

    @functools.wraps(method)
    async def runner(self: Any, *args: Any, **kwargs: Any) -> T:
        if self._closed:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        # in the caller's context, so text built there (an importer's refusal) is in its language
        call = functools.partial(contextvars.copy_context().run, method, self, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    return runner


def in_reader(method: Callable[..., T]) -> Callable[..., "asyncio.Future[T]"]:
    """Turn a synchronous read-only method ``method(self, conn, ...)`` into a coroutine run on the
    store's reader thread, with the reader's own connection: a long read (a large server's board)
    never holds up the flush and the other reads queued on the store's thread (WAL lets a reader
    and the writer work at once)."""

    @functools.wraps(method)
    async def runner(self: Any, *args: Any, **kwargs: Any) -> T:
        if self._closed:
            raise StoreClosed()
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, self._on_reader, method, args, kwargs)
        return await loop.run_in_executor(self._read_executor, call)

    return runner
