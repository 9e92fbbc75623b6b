"""Rank pieces (db/ranks.py) stay exact through every kind of write: ranks and pages are compared
with a plain COUNT and a plain OFFSET after each one."""
import random
import sqlite3

import pytest

from unicornia.db import ranks
from unicornia.db.store import GainRow, XpStore

GUILD = 10


class Gain:
    """The attributes the store reads from a buffered gain."""

    def __init__(self, xp: int, messages: int = 1) -> None:
        self.xp, self.messages = xp, messages
        self.by_source = None
        self.voice_seconds = self.links = self.thanks = self.reactions = self.commands = 0


@pytest.fixture
def small_pieces(monkeypatch):
    for name, value in (("CUT_EVERY", 5), ("TRACK_AT", 10), ("SPLIT_AT", 10), ("MERGE_BELOW", 2)):
        monkeypatch.setattr(ranks, name, value)


@pytest.fixture
async def store(tmp_path, small_pieces):
    s = XpStore(tmp_path / "unicornia.db")
    await s.open()
    yield s
    await s.close()


def plain(path, guild_id: int) -> list[tuple[int, int]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ? AND Xp > 0 "
                            "ORDER BY Xp DESC, UserId", (guild_id,)).fetchall()
    finally:
        conn.close()


async def assert_exact(store: XpStore, guild_id: int = GUILD) -> None:
    every = plain(store.path, guild_id)
    assert await store.ranked(guild_id) == len(every)
    for xp in sorted({x for _, x in every} | {0, 1, 10**9}):
        above = sum(1 for _, x in every if x > xp)
        assert await store.rank(guild_id, xp) == (above + 1, len(every)), xp
    for offset in range(0, len(every) + 3, 3):
        assert await store.leaderboard_page_rows(guild_id, offset, 4) == every[offset:offset + 4], offset


@pytest.mark.parametrize("seed", [7, 8, 9])
async def test_pieces_stay_exact_through_flushes_rewards_and_resets(store, seed):
    rng = random.Random(seed)
    await store.write_buffer({(GUILD, uid): Gain(rng.randrange(1, 30)) for uid in range(1, 60)})
    assert GUILD in store._ranks.guilds
    await assert_exact(store)
    for round_ in range(6):
        # a flush: some members climb, newcomers arrive (many ties: XP from a small range)
        gains = {(GUILD, rng.randrange(1, 90)): Gain(rng.randrange(1, 40)) for _ in range(40)}
        await store.write_buffer(gains)
        await assert_exact(store)
        uid = rng.randrange(1, 90)
        await store.award(GUILD, uid, rng.choice([-1000, -5, 25]))  # may clamp at zero
        await assert_exact(store)
        await store.reset_member(GUILD, rng.randrange(1, 90))
        await assert_exact(store)
        await store.claim_daily(GUILD, rng.randrange(1, 120), 0, 15, 5, 50)  # a reward, maybe a newcomer
        await assert_exact(store)
    await store.delete_user(5)
    await assert_exact(store)
    # the pieces stay pieces: none grew past twice their size
    cuts = store._ranks.guilds[GUILD]
    assert max(cuts.sizes) <= ranks.SPLIT_AT and len(cuts.keys) >= 2


async def test_a_small_guild_gets_pieces_when_it_grows_and_loses_them_when_reset(store):
    await store.write_gains([GainRow(uid, GUILD, 5) for uid in range(1, 8)])
    assert GUILD not in store._ranks.guilds  # 7 members: read directly
    await assert_exact(store)
    await store.write_gains([GainRow(uid, GUILD, uid) for uid in range(5, 40)])
    assert GUILD in store._ranks.guilds
    await assert_exact(store)
    await store.reset_guild(GUILD)
    assert GUILD not in store._ranks.guilds
    assert await store.rank(GUILD, 0) == (1, 0)


async def test_pieces_are_built_on_open_and_a_failed_flush_leaves_them_alone(tmp_path, small_pieces):
    path = tmp_path / "unicornia.db"
    first = XpStore(path)
    await first.open()
    await first.write_gains([GainRow(uid, GUILD, uid * 3) for uid in range(1, 50)])
    await first.close()
    again = XpStore(path)
    await again.open()
    assert GUILD in again._ranks.guilds  # built on open, not on the first read
    sizes = list(again._ranks.guilds[GUILD].sizes)
    with pytest.raises(sqlite3.Error):  # a value SQLite cannot take fails the flush half-way
        await again.write_buffer({(GUILD, 1): Gain(5), (GUILD, 200): Gain(object())})
    assert again._ranks.guilds[GUILD].sizes == sizes
    await assert_exact(again)
    await again.close()
