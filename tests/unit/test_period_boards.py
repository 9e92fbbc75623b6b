"""The boards PeriodService keeps: read again after any write to the database, served stale (and
read again in the background) only where a read is slow, and bounded in number."""
import asyncio

from unicornia.systems import periods as service_module
from unicornia.systems.periods import PeriodService


class Store:
    def __init__(self, delay: float = 0.0) -> None:
        self.writes = 0
        self.delay = delay
        self.reads = 0
        self.rows = [(1, 10)]

    async def period_board(self, guild_id, kind, start, limit):
        self.reads += 1
        await asyncio.sleep(self.delay)
        return list(self.rows)

    async def period_xp(self, guild_id, kind, start, user_id):
        return dict(self.rows).get(user_id, 0)


def service(store) -> PeriodService:
    return PeriodService(None, store, None, lambda: None, None)


async def test_a_board_is_read_again_after_a_write():
    store = Store()
    periods = service(store)
    assert await periods._top(1, 0, 100) == [(1, 10)]
    assert await periods._top(1, 0, 100) == [(1, 10)] and store.reads == 1
    store.rows, store.writes = [(2, 20), (1, 10)], 1
    assert await periods._top(1, 0, 100) == [(2, 20), (1, 10)] and store.reads == 2
    assert await periods.position(1, 0, 100, 1) == (10, 2)
    assert await periods.position(1, 0, 100, 9) == (0, None)
    store.rows.append((9, 5))
    periods._boards.clear()
    monkey_top = periods._top

    async def top_without_9(*key):
        return [row for row in await monkey_top(*key) if row[0] != 9]

    periods._top = top_without_9  # 9 has XP but is below the board's top
    assert await periods.position(1, 0, 100, 9) == (5, None)


async def test_a_slow_board_is_served_stale_while_it_is_read_again(monkeypatch):
    monkeypatch.setattr(service_module, "SLOW_READ", 0.01)
    store = Store(delay=0.03)
    periods = service(store)
    await periods._top(1, 0, 100)
    store.rows, store.writes = [(2, 20)], 1
    assert await periods._top(1, 0, 100) == [(1, 10)]  # the kept board at once ...
    await asyncio.gather(*periods._reading.values())
    assert await periods._top(1, 0, 100) == [(2, 20)] and store.reads == 2  # ... and the new one after
    monkeypatch.setattr(service_module, "MAX_STALE", 0.0)
    store.rows, store.writes = [(3, 30)], 2
    assert await periods._top(1, 0, 100) == [(3, 30)]  # too old to serve: read now


async def test_boards_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(service_module, "BOARDS_KEPT", 3)
    periods = service(Store())
    for guild in range(10):
        await periods._top(guild, 0, 100)
    assert [key[0] for key in periods._boards] == [7, 8, 9]
