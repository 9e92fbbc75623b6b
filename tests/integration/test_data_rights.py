"""Red's data rights, where the first tests left gaps (found by giving one member data in every
place the cog keeps any and scanning for them afterwards): backups, the export's completeness, and
what memory still held after the deletion."""
import json
import sqlite3

from tests.conftest import chatter, db_rows, members
from tests.integration.test_restore import backup, backups_dir
from tests.integration.test_transfer import confirmed


def mentions(path, user_id: int) -> list[str]:
    """The tables of a database file that still hold ``user_id`` in a user column."""
    conn = sqlite3.connect(path)
    try:
        found = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for column in ("UserId", "OwnerId", "ActorId"):
                try:
                    if conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (user_id,)).fetchone():
                        found.append(f"{table}.{column}")
                except sqlite3.OperationalError:  # the table has no such column
                    pass
        return found
    finally:
        conn.close()


async def test_a_deleted_user_is_deleted_from_the_backups_and_a_restore_does_not_bring_them_back(sim):
    alice, bob = members(sim)[:2]
    await chatter(sim, alice, 2)
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    name = await backup(sim)
    assert mentions(backups_dir(sim) / name, alice.id)
    await sim.cog.red_delete_data_for_user(requester="discord_deleted_user", user_id=alice.id)
    assert mentions(backups_dir(sim) / name, alice.id) == []
    with sqlite3.connect(backups_dir(sim) / name) as conn:  # the club passed on in the backup too
        assert conn.execute("SELECT OwnerId FROM Club").fetchall() == [(bob.id,)]
    await confirmed(sim, f"unicornia restore {name}")
    assert db_rows(sim, "SELECT COUNT(*) FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(0,)]


async def test_the_export_holds_what_is_stored_and_what_is_still_in_memory(goals_sim):
    sim = goals_sim
    alice, bob = members(sim)[:2]
    await sim.command("unicornia guild quest defaults", sim.owner())
    await sim.command(f"unicornia guild addxp {bob.id} 50", sim.owner())
    await chatter(sim, alice, 1)
    await sim.cog.xp.flush()
    await chatter(sim, alice, 1)  # still in the buffer
    data = json.loads((await sim.cog.red_get_data_for_user(user_id=alice.id))["unicornia.json"].getvalue())
    (stats,) = data["guild_stats"]
    assert stats["messages"] == 2 and stats["week_xp"] == stats["month_xp"] >= 1  # this week's and month's XP
    assert data["quest_baselines"] and data["quest_baselines"][0]["messages"] == 0
    assert "period_wins" in data
    owner = json.loads((await sim.cog.red_get_data_for_user(user_id=sim.owner().id))["unicornia.json"].getvalue())
    assert [(a["kind"], a["amount"]) for a in owner["audit_log_as_admin"]] == [("add", 50)]


async def test_nothing_in_memory_outlives_the_deletion(sim):
    alice = members(sim)[0]
    await sim.command("level private true", alice)
    assert await sim.cog.web_privacy.is_private(sim.guild.id, alice.id)
    sim.cog.xp.boosts[(sim.guild.id, alice.id)] = (2.0, 4e9)  # a quest boost running
    await sim.cog.red_delete_data_for_user(requester="user", user_id=alice.id)
    assert not await sim.cog.web_privacy.is_private(sim.guild.id, alice.id)
    assert (sim.guild.id, alice.id) not in sim.cog.xp.boosts
