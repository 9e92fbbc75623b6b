"""A least-recently-used cache of byte strings, bounded by count, by total bytes and by age."""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Hashable, Optional


class ByteCache:
    def __init__(self, max_items: int, max_bytes: int, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self.ttl = ttl
        self.clock = clock
        self.total_bytes = 0
        self._data: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()

    def get(self, key: Hashable) -> Optional[bytes]:
        entry = self._data.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.clock() - stored_at > self.ttl:
            self._drop(key)
            return None
        self._data.move_to_end(key)
        return value

    def put(self, key: Hashable, value: bytes) -> None:
        if len(value) > self.max_bytes:
            return  # would evict everything else and still not fit
        if key in self._data:
            self._drop(key)
        self._data[key] = (self.clock(), value)
        self.total_bytes += len(value)
        while len(self._data) > self.max_items or self.total_bytes > self.max_bytes:
            self._drop(next(iter(self._data)))

    def _drop(self, key: Hashable) -> None:
        _, value = self._data.pop(key)
        self.total_bytes -= len(value)

    def __len__(self) -> int:
        return len(self._data)
