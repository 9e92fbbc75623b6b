"""`[p]unicornia restore` through a real Red bot: listing, the dry run, a restore that every read
sees at once (cache, ranks, leaderboard), the database as it was kept, and files or names that are
refused without changing anything."""
import sqlite3

import pytest
from redbot.core import commands

from tests.conftest import chatter, db_rows, live, members, set_goal_features, stored_xp
from tests.integration.test_transfer import confirmed


async def backup(sim) -> str:
    """Make a backup with the owner's command; its file name as `restore` lists it."""
    await sim.command("unicornia backup", sim.owner())
    return sim.replies()[-1].content.split("`")[1].rsplit("/", 1)[-1]


def backups_dir(sim):
    return sim.cog.data_path / "backups"


async def test_restore_brings_back_the_backup_and_every_read_sees_it(sim):
    alice, bob = members(sim)[:2]
    await sim.command(f"unicornia guild addxp {alice.id} 300", sim.owner())
    await sim.command(f"unicornia guild addxp {bob.id} 100", sim.owner())
    name = await backup(sim)

    # after the backup: bob overtakes alice, and alice chats (a gain still in the buffer)
    await sim.command(f"unicornia guild addxp {bob.id} 5000", sim.owner())
    await sim.say("something said after the backup", alice)
    assert await sim.cog.xp.current_xp((sim.guild.id, bob.id)) == 5100
    assert (await sim.cog.store.rank(sim.guild.id, 5100))[0] == 1

    await sim.command("unicornia restore", sim.owner())
    listing = "\n".join(m.content for m in sim.replies())
    assert f"`{name}`" in listing and "MB" in listing

    said = await confirmed(sim, f"unicornia restore {name}", answer="no")
    rows = 2 + len(db_rows(sim, "SELECT 1 FROM UserXpStats WHERE UserId = ?", (sim.owner().id,)))  # the owner's commands
    assert f"Backup `{name}`" in said and f"Would restore **{rows}** members in **1** server." in said, said
    assert "earned since it was made are lost" in said and "Nothing was restored." in said
    assert await sim.cog.xp.current_xp((sim.guild.id, bob.id)) == 5100  # a no changes nothing

    said = await confirmed(sim, f"unicornia restore {name}")
    assert f"Restored `{name}`: **{rows}** members in **1** server." in said, said
    # the cache, the ranks and the leaderboard read the restored file at once
    assert await sim.cog.xp.current_xp((sim.guild.id, bob.id)) == 100
    assert await sim.cog.xp.current_xp((sim.guild.id, alice.id)) == 300
    assert (await sim.cog.store.rank(sim.guild.id, 300))[0] == 1
    assert await sim.cog.store.leaderboard_page_rows(sim.guild.id, 0, 10) == [(alice.id, 300), (bob.id, 100)]
    await sim.command("level leaderboard", alice)
    board = sim.replies()[-1].embeds[0].description
    assert board.index(alice.name) < board.index(bob.name) and "5,100" not in board, board
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 300 and stored_xp(sim, bob) == 100  # the chat after the backup is gone

    # the database as it was is a backup of its own, listed, and puts the XP earned since back
    before = said.split("The database as it was is in `")[1].split("`")[0]
    assert (backups_dir(sim) / before).is_file()
    said = await confirmed(sim, f"unicornia restore {before}")
    assert "Restored" in said, said
    assert await sim.cog.xp.current_xp((sim.guild.id, bob.id)) == 5100
    assert stored_xp(sim, alice) == 301  # the message was flushed before the backup of the database as it was

    # earning goes on into the restored file
    await sim.command(f"unicornia guild addxp {alice.id} 1", sim.owner())
    assert stored_xp(sim, alice) == 302


async def test_large_guild_rank_pieces_are_rebuilt(sim, monkeypatch):
    """A guild big enough to have rank pieces: the pieces follow the restored file, not the old one."""
    ranks = live("db.ranks")
    monkeypatch.setattr(ranks, "TRACK_AT", 2)
    monkeypatch.setattr(ranks, "CUT_EVERY", 1)
    alice, bob, carol = members(sim)[:3]
    for member, xp in ((alice, 30), (bob, 20), (carol, 10)):
        await sim.command(f"unicornia guild addxp {member.id} {xp}", sim.owner())
    name = await backup(sim)
    await sim.command(f"unicornia guild addxp {carol.id} 1000", sim.owner())
    said = await confirmed(sim, f"unicornia restore {name}")
    assert "Restored" in said, said
    assert sim.guild.id in sim.cog.store._ranks.guilds  # pieces built from the restored rows
    assert (await sim.cog.store.rank(sim.guild.id, 10))[0] == 3
    assert await sim.cog.store.leaderboard_page_rows(sim.guild.id, 1, 2) == [(bob.id, 20), (carol.id, 10)]


def _not_sqlite(path):
    path.write_text("just some text, not a database")


def _truncated(path, source):
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _other_app(path, _source):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()


def _newer_schema(path, source):
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
        dst.execute("PRAGMA user_version = 999")
    dst.close()


def _with(code: str):
    """A copy of the good backup with ``code`` (a trigger or a view) added: still marked as ours."""
    def make(path, source):
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
            dst.execute(code)
        dst.close()
    return make


def _nadeko(path, _source):
    from tests.sources import nadeko_v6
    nadeko_v6(path, 1, [(5, 10)])


@pytest.mark.parametrize("make, message", [
    (lambda p, s: _not_sqlite(p), "not an SQLite database"),
    (_truncated, "damaged"),
    (_other_app, "not a Unicornia database"),
    (_nadeko, "not a Unicornia database"),
    (_newer_schema, "newer Unicornia (schema 999"),
    (_with("CREATE TRIGGER wipe AFTER INSERT ON UserXpStats BEGIN DELETE FROM UserXpStats; END"), "triggers or views"),
    (_with("CREATE TRIGGER refuse BEFORE UPDATE ON UserXpStats BEGIN SELECT RAISE(ABORT, 'no'); END"),
     "triggers or views"),
    (_with("CREATE VIEW Anything AS SELECT 1"), "triggers or views"),
])
async def test_bad_backups_change_nothing(sim, make, message):
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 40", sim.owner())
    good = await backup(sim)
    await sim.command(f"unicornia guild addxp {alice.id} 2", sim.owner())
    bad = backups_dir(sim) / "unicornia-bad.db"
    make(bad, backups_dir(sim) / good)
    before = sorted(p.name for p in backups_dir(sim).iterdir())
    await sim.command("unicornia restore unicornia-bad.db", sim.owner())
    said = "\n".join(m.content for m in sim.replies())
    assert "Nothing was restored" in said and message in said, said
    assert stored_xp(sim, alice) == 42 and await sim.cog.xp.current_xp((sim.guild.id, alice.id)) == 42
    assert sorted(p.name for p in backups_dir(sim).iterdir()) == before  # no backup of the database, no copy
    assert not list(sim.cog.data_path.glob("*.restoring"))


async def test_a_file_that_goes_bad_after_the_dry_run_is_still_refused(sim):
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 40", sim.owner())
    name = await backup(sim)
    await sim.command(f"unicornia guild addxp {alice.id} 2", sim.owner())
    task_said = []

    async def spoil_then_confirm():
        path = backups_dir(sim) / name
        path.write_bytes(path.read_bytes()[:2048])
    import asyncio
    from tests.integration.test_transfer import OWNER_PROMPT, drain_until
    task = asyncio.create_task(sim.command(f"unicornia restore {name}", sim.owner()))
    assert await drain_until(sim, task_said, OWNER_PROMPT)
    await spoil_then_confirm()
    await sim.say("yes", sim.owner())
    await task
    task_said.extend(m.content for m in sim.replies())
    said = "\n".join(task_said)
    assert "Nothing was restored" in said, said
    assert stored_xp(sim, alice) == 42 and await sim.cog.xp.current_xp((sim.guild.id, alice.id)) == 42


@pytest.mark.parametrize("name", ["../unicornia.db", "/etc/passwd", "backups/x.db", "nope.db", "..", "`../x`"])
async def test_names_not_listed_are_refused(sim, name):
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 40", sim.owner())
    await backup(sim)
    await sim.command(f"unicornia restore {name}", sim.owner())
    said = sim.replies()[-1].content
    assert "Nothing was restored" in said and "is not one of the backups in `backups/`" in said, said
    assert stored_xp(sim, alice) == 40


async def test_listing_when_there_are_none_and_not_owner(sim):
    await sim.command("unicornia restore", sim.owner())
    assert "There are no backups in `backups/` yet; `!unicornia backup` makes one." in sim.replies()[-1].content
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 40", sim.owner())
    name = await backup(sim)
    with pytest.raises(commands.CheckFailure):  # only the bot owner
        await sim.command(f"unicornia restore {name}", alice)
    with pytest.raises(commands.CheckFailure):
        await sim.command("unicornia restore", alice)
    assert stored_xp(sim, alice) == 40 and len(list(backups_dir(sim).iterdir())) == 1


async def test_a_restored_file_that_will_not_open_puts_the_database_back(sim, monkeypatch):
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 40", sim.owner())
    name = await backup(sim)
    await sim.command(f"unicornia guild addxp {alice.id} 2", sim.owner())
    store = sim.cog.store
    reopen = type(store)._reopen
    calls = []

    def failing_once(self):
        calls.append(1)
        if len(calls) == 1:
            self._close_conn()
            raise RuntimeError("disk on fire")
        return reopen(self)

    monkeypatch.setattr(type(store), "_reopen", failing_once)
    said = await confirmed(sim, f"unicornia restore {name}")
    assert "The restore failed and the database was put back as it was" in said, said
    assert len(calls) == 2
    assert stored_xp(sim, alice) == 42 and await sim.cog.xp.current_xp((sim.guild.id, alice.id)) == 42
    await sim.command(f"unicornia guild addxp {alice.id} 1", sim.owner())
    assert stored_xp(sim, alice) == 43


async def test_quests_are_read_again_from_the_restored_file(goals_sim):
    sim = goals_sim
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False)
    await sim.command('unicornia guild quest add daily messages 3 50 "Before"', sim.owner())
    name = await backup(sim)
    await sim.command('unicornia guild quest add daily messages 5 50 "After"', sim.owner())
    assert [q.name for q in await sim.cog.goals.quests_of(sim.guild.id)] == ["Before", "After"]
    said = await confirmed(sim, f"unicornia restore {name}")
    assert "Restored" in said, said
    assert [q.name for q in await sim.cog.goals.quests_of(sim.guild.id)] == ["Before"]
    alice = members(sim)[0]
    await chatter(sim, alice, 3)
    await sim.cog.xp.flush()  # the flush plans the restored quests only: no error, XP written
    await sim.settle()
    assert stored_xp(sim, alice) >= 3 and db_rows(sim, "SELECT COUNT(*) FROM QuestCompletion") == [(1,)]
