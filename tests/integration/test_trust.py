"""What a bad file, an unload in mid-command or a deletion request may and may not do, through
Red's own loader and commands (issue #13's defects, each with its test)."""
import asyncio
import json
import logging
import sqlite3
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT, members, set_goal_features, stored_xp
from tests.sources import nadeko_v6
from tests.unit.test_db_identity import foreign_database, snapshot, unicornia_database
from unicornia.db.schema import SCHEMA_VERSION


def cog_folder(red) -> Path:
    """Where Red keeps Unicornia's data (``cog_data_path``): <data>/cogs/Unicornia."""
    from redbot.core import data_manager

    return data_manager.core_data_path().parent / "cogs" / "Unicornia"


def database_files(folder: Path) -> dict[str, str]:
    """The database and any -wal/-shm beside it, with hashes of their bytes (Red's Config writes
    its own settings.json in the same folder)."""
    return {name: digest for name, digest in snapshot(folder).items() if name.startswith("unicornia.db")}


async def load_reply(red) -> str:
    await red.command(f"addpath {REPO_ROOT}", red.owner())
    red.replies()
    await red.command("load unicornia", red.owner())
    return "\n".join(m.content for m in red.replies())


async def test_another_programs_database_stops_the_load_and_stays_as_it_was(red):
    folder = cog_folder(red)
    folder.mkdir(parents=True)
    foreign_database(folder / "unicornia.db", wal=True)
    before = database_files(folder)
    said = await load_reply(red)
    assert red.cog is None
    assert "another program's SQLite database" in said and str(folder / "unicornia.db") in said, said
    assert "move the file elsewhere" in said
    assert database_files(folder) == before
    # the owner moves it away: the next load starts a new database
    (folder / "unicornia.db").rename(folder / "diary.db")
    await red.command("load unicornia", red.owner())
    assert red.cog is not None


async def test_a_newer_unicornias_database_stops_the_load_before_a_byte_is_written(red):
    folder = cog_folder(red)
    folder.mkdir(parents=True)
    await unicornia_database(folder / "unicornia.db", schema=SCHEMA_VERSION + 3)
    before = database_files(folder)
    said = await load_reply(red)
    assert red.cog is None and "written by a newer Unicornia" in said and "update the cog" in said, said
    assert database_files(folder) == before and not (folder / "unicornia.db-wal").exists()


# --- unload while work is in flight --------------------------------------------------------------
def errors_logged(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]


def cog_module(sim):
    """The cog module Red imported (its own copy, not the unit tests')."""
    return sys.modules[type(sim.cog).__module__]


async def test_a_card_asked_for_as_the_cog_unloads_is_still_drawn_and_sent(sim, sent, caplog):
    alice = members(sim)[0]
    await sim.say("a few words first", alice)
    sim.replies()
    asking = asyncio.create_task(sim.command("level check", alice))
    for _ in range(3):  # the command is running: reading the member, drawing the card
        await asyncio.sleep(0)
    await sim.command("unload unicornia", sim.owner())
    await asking
    said = [m.content for m in sim.replies()]
    assert said[-1] == "The following package was unloaded: `unicornia`.", said
    assert not any("Error in command" in text for text in said), said
    assert any(call["files"] for call in sent)  # the card went out
    assert errors_logged(caplog) == []


async def test_a_command_that_outlives_the_unload_is_told_unicornia_is_restarting(sim, tmp_path, monkeypatch, caplog):
    alice = members(sim)[0]
    source = nadeko_v6(tmp_path / "NadekoBot.db", sim.guild.id, [(alice.id, 100)])
    monkeypatch.setattr(cog_module(sim), "COMMAND_GRACE", 0.05)
    importing = asyncio.create_task(sim.command(f"unicornia import nadeko {source}", sim.owner()))
    for _ in range(200):  # the owner reads the plan...
        if any("Type `yes`" in m.content for m in sim.replies()):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("no confirmation prompt")
    # ...someone unloads the cog meanwhile (dpytest's command returns once the import is done too)...
    unloading = asyncio.create_task(sim.command("unload unicornia", sim.owner()))
    said = []
    for _ in range(200):
        said += [m.content for m in sim.replies()]
        if "The following package was unloaded: `unicornia`." in said:
            break
        await asyncio.sleep(0.01)
    await sim.say("yes", sim.owner())  # ...and the owner says yes
    await asyncio.gather(importing, unloading)
    said += [m.content for m in sim.replies()]
    assert "Unicornia is restarting; try again in a moment." in said, said
    assert not any("Error in command" in text for text in said), said
    assert errors_logged(caplog) == []


async def test_the_last_flush_finishes_the_level_ups_it_causes_before_the_store_closes(goals_sim, caplog):
    """A quest paid by the final flush crosses a level: its role and announcement are not lost."""
    sim = goals_sim
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False)
    sim.give_bot_role()
    regular = sim.make_role("Regular", position=5)
    hall = sim.make_text_channel("level-ups")
    for text in ('quest add daily messages 1 100 "Say something"', "rolereward 1 Regular",
                 f"levelup where {hall.mention}"):
        await sim.command(f"unicornia guild {text}", sim.owner())
    sim.replies()
    alice = members(sim)[0]
    await sim.say("my one message for the quest", alice)  # 1 XP, buffered: level 0
    assert regular not in alice.roles
    await sim.command("unload unicornia", sim.owner())  # the final flush pays the quest: 101 XP, level 2
    announced = [m.content for m in sim.replies() if m.channel.id == hall.id]
    assert stored_xp(sim, alice) == 101
    assert regular in alice.roles
    assert any("reached **level 2**" in text and "Regular" in text for text in announced), announced
    assert errors_logged(caplog) == []


async def test_a_fresh_servers_first_unload_logs_nothing_wrong(sim, caplog):
    alice = members(sim)[0]
    await sim.say("hello on a brand new server", alice)
    await sim.command("level check", alice)
    with caplog.at_level(logging.WARNING):
        await sim.command("unload unicornia", sim.owner())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING and "unicornia" in r.name] == []


# --- data deletion -------------------------------------------------------------------------------
def rows_naming(sim, user_id: int) -> dict[str, int]:
    """Every table of the real database, every column: how many rows hold ``user_id``."""
    conn = sqlite3.connect(sim.db_path)
    try:
        found = {}
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            where = " OR ".join(f'"{column}" = ?' for column in columns)
            count = conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE {where}', [user_id] * len(columns)).fetchone()[0]
            if count:
                found[table] = count
        return found
    finally:
        conn.close()


async def test_deleting_a_users_data_leaves_no_row_of_any_table_with_their_id(goals_sim, tmp_path):
    from redbot.core import bank

    sim = goals_sim
    alice, bob = members(sim)[:2]
    # an import, activity, a quest with its boost, a purchase, a club, a daily claim, audit entries
    source = nadeko_v6(tmp_path / "NadekoBot.db", sim.guild.id, [(alice.id, 300), (bob.id, 20)])
    asking = asyncio.create_task(sim.command(f"unicornia import nadeko {source}", sim.owner()))
    for _ in range(200):
        if any("Type `yes`" in m.content for m in sim.replies()):
            break
        await asyncio.sleep(0.01)
    await sim.say("yes", sim.owner())
    await asking
    await sim.command('unicornia guild quest add once messages 1 0 "Warm up" 2 30', sim.owner())
    await sim.say("hello from alice, the first words", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    await bank.set_balance(alice, 5000)
    await sim.command("xpshop buy sunset", alice)
    await sim.command("club create Owls", alice)
    await sim.command("club join Owls", bob)
    await sim.command("level daily", alice)
    await sim.command(f"unicornia guild addxp {alice.mention} 10", sim.owner())
    await sim.cog.xp.flush()
    await sim.settle()
    present = rows_naming(sim, alice.id)
    expected = {"UserXpStats", "ImportLedger", "XpHistory", "CounterBaseline", "QuestCompletion",
                "XpBoost", "XpShopOwnedItem", "XpShopLog", "AuditLog", "Club", "ClubMember", "DailyClaim",
                "UserAchievement"}
    assert expected <= set(present), present  # the scan below would otherwise prove little

    exported = json.loads((await sim.cog.red_get_data_for_user(user_id=alice.id))["unicornia.json"].getvalue())
    assert exported["imports"][0]["xp"] == 300 and exported["quests_completed"] and exported["xp_boosts"]

    await sim.cog.red_delete_data_for_user(requester="user_strict", user_id=alice.id)
    assert rows_naming(sim, alice.id) == {}
    assert rows_naming(sim, bob.id)  # bob's rows stay (the club passed to him)
    assert not any(key[1] == alice.id for key in sim.cog.xp.buffer)
