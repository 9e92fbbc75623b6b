"""One asyncio lock per key (a member, a guild), kept only while someone holds or waits for it."""
from __future__ import annotations

import asyncio
import weakref
from typing import Hashable


class KeyedLocks:
    """``locks(key)`` is the lock for ``key``; unused locks are dropped with their last reference."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: Hashable) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)
