"""A bounded least-recently-used map."""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, Iterator, Optional, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most ``maxsize`` entries; reading or writing an entry makes it the most recent.

    Values are never None (None means "absent" to :meth:`get`).
    """

    __slots__ = ("maxsize", "_data", "_second_chance")

    @property
    def data(self) -> "OrderedDict[K, V]":
        """The underlying map, for a hot path that inlines :meth:`get` (read, then ``move_to_end``)."""
        return self._data

    def __init__(self, maxsize: int, second_chance: Optional[Callable[[V], bool]] = None) -> None:
        """``second_chance(value)``, when given, is asked before an entry is evicted: True (it
        was used since it last reached the front) moves it to the back instead.  A hot path can
        then mark an entry used with a flag in the value rather than a ``move_to_end``."""
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._second_chance = second_chance

    def get(self, key: K) -> Optional[V]:
        data = self._data
        value = data.get(key)
        if value is not None:
            data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        data = self._data
        data[key] = value
        data.move_to_end(key)
        spared = 0
        while len(data) > self.maxsize:
            oldest, old_value = data.popitem(last=False)
            if self._second_chance is not None and spared < self.maxsize and self._second_chance(old_value):
                data[oldest] = old_value  # used meanwhile: to the back, its flag cleared
                spared += 1

    def pop(self, key: K) -> Optional[V]:
        return self._data.pop(key, None)

    def discard_where(self, predicate) -> int:
        """Drop every entry whose key satisfies ``predicate``; return how many went."""
        doomed = [key for key in self._data if predicate(key)]
        for key in doomed:
            del self._data[key]
        return len(doomed)

    def clear(self) -> None:
        self._data.clear()

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)
