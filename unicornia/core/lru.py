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

    __slots__ = ("maxsize", "_data", "_second_chance", "_on_drop")

    @property
    def data(self) -> "OrderedDict[K, V]":
        """The underlying map, for a hot path that inlines :meth:`get` (read, then ``move_to_end``)."""
        return self._data

    def __init__(self, maxsize: int, second_chance: Optional[Callable[[V], bool]] = None,
                 on_drop: Optional[Callable[[V], None]] = None) -> None:
        """``second_chance(value)``, when given, is asked before an entry is evicted: True (it
        was used since it last reached the front) moves it to the back instead.  A hot path can
        then mark an entry used with a flag in the value rather than a ``move_to_end``.
        ``on_drop(value)`` hears of every value that leaves (evicted, popped or discarded), for
        holders of a direct reference to it."""
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._second_chance = second_chance
        self._on_drop = on_drop

    def set_hooks(self, second_chance: Optional[Callable[[V], bool]], on_drop: Optional[Callable[[V], None]]) -> None:
        """Set (or replace) the two callbacks described in ``__init__``."""
        self._second_chance, self._on_drop = second_chance, on_drop

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
            elif self._on_drop is not None:
                self._on_drop(old_value)

    def pop(self, key: K) -> Optional[V]:
        value = self._data.pop(key, None)
        if value is not None and self._on_drop is not None:
            self._on_drop(value)
        return value

    def discard_where(self, predicate) -> int:
        """Drop every entry whose key satisfies ``predicate``; return how many went."""
        doomed = [key for key in self._data if predicate(key)]
        for key in doomed:
            self.pop(key)
        return len(doomed)

    def clear(self) -> None:
        for key in list(self._data):
            self.pop(key)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)
