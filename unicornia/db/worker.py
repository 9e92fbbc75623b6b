"""Running the store's synchronous SQLite methods on its own single thread."""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def in_worker(method: Callable[..., T]) -> Callable[..., "asyncio.Future[T]"]:
    """Turn a synchronous method that uses ``self.conn`` into a coroutine run on the store's thread."""

    @functools.wraps(method)
    async def runner(self: Any, *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(method, self, *args, **kwargs))

    return runner
