"""Moving in and out through a real Red bot: imports from NadekoBot (v4 and v6 schemas) and LevelUp
(v3 and v4+ files), refusals of bad sources that leave everything as it was, CSV export, backup."""
import asyncio
import csv
import gzip
import io
import sqlite3

import pytest
from redbot.core import commands

from tests.conftest import db_rows, live, members, set_goal_features, stored_xp
from tests.sources import levelup_v3, levelup_v4, nadeko_v4, nadeko_v6

OWNER_PROMPT = "Type `yes`"


async def drain_until(sim, seen: list, needle: str, timeout: float = 5.0) -> bool:
    for _ in range(int(timeout / 0.02)):
        seen.extend(m.content for m in sim.replies())
        if any(needle in text for text in seen):
            return True
        await asyncio.sleep(0.02)
    return False


async def confirmed(sim, command: str, answer: str = "yes") -> str:
    """Run an owner command that asks for confirmation, answer it, and return everything said."""
    seen: list[str] = []
    task = asyncio.create_task(sim.command(command, sim.owner()))
    if await drain_until(sim, seen, OWNER_PROMPT):
        await sim.say(answer, sim.owner())
    await task
    await asyncio.sleep(0)
    seen.extend(m.content for m in sim.replies())
    return "\n".join(seen)


def ledger(sim) -> list[tuple]:
    return db_rows(sim, "SELECT Source, UserId, Xp FROM ImportLedger ORDER BY Source, UserId")


def untouched(sim) -> tuple:
    return (db_rows(sim, "SELECT COUNT(*) FROM UserXpStats"), db_rows(sim, "SELECT COUNT(*) FROM ImportLedger"),
            db_rows(sim, "SELECT COUNT(*) FROM XpShopOwnedItem"), db_rows(sim, "SELECT COUNT(*) FROM AuditLog"))


# --- NadekoBot -----------------------------------------------------------------------------------
async def test_nadeko_v4_dry_run_import_and_idempotent_reimport(sim, tmp_path):
    alice, bob, carol = members(sim)[:3]
    role = sim.make_role("Regular", position=5)
    channel = sim.guild.text_channels[1]
    source = nadeko_v4(
        tmp_path / "NadekoBot.db", sim.guild.id,
        [(alice.id, 1000, 200), (bob.id, 50, 0), (carol.id, 0, 0)],
        items=[(alice.id, 0, "sunset", True), (alice.id, 0, "retro-wave", False), (bob.id, 1, "gold-frame", True)],
        role_rewards=[(5, role.id, False), (9, 123456789012345678, True)], currency_rewards=[(10, 500)],
        excluded=[(channel.id, 0), (role.id, 1)],
    )
    said = await confirmed(sim, f"unicornia import nadeko {source}", answer="no")
    assert "schema v4/v5" in said and "20221122204324_feed-text" in said
    assert "Would import **3** members in **1** server, 1,250 XP" in said
    assert "`retro-wave` (1)" in said  # unknown key reported, not dropped
    assert "rows of servers this bot is not in" in said and "frames" in said
    assert "role rewards whose role no longer exists" in said
    assert "Nothing was imported." in said and untouched(sim)[0] == [(0,)]

    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "Imported: 2 members changed, 1,250 XP added, 2 backgrounds added" in said, said
    assert stored_xp(sim, alice) == 1200 and stored_xp(sim, bob) == 50
    assert db_rows(sim, "SELECT AwardedXp FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(200,)]
    assert await sim.cog.store.total_xp(alice.id) == 1200
    assert db_rows(sim, "SELECT ItemKey, IsUsing FROM XpShopOwnedItem WHERE UserId = ? ORDER BY ItemKey",
                   (alice.id,)) == [("retro-wave", 0), ("sunset", 1)]
    assert db_rows(sim, "SELECT COUNT(*) FROM XpShopOwnedItem WHERE UserId = ?", (bob.id,)) == [(0,)]
    conf = sim.cog.config.guild(sim.guild)
    assert await conf.role_rewards() == {"5": [{"role": role.id, "remove": False}]}
    assert await conf.currency_rewards() == {"10": 500}
    assert await conf.excluded_channels() == [channel.id] and await conf.excluded_roles() == [role.id]
    assert db_rows(sim, "SELECT Kind, Amount, Reason, ActorId FROM AuditLog WHERE UserId = ?", (alice.id,)) == [
        ("import", 1200, "NadekoBot import", sim.owner().id)]
    await sim.command("level check", alice)  # the cache was refreshed: the card sees the imported XP
    assert await sim.cog.xp.current_xp((sim.guild.id, alice.id)) == 1200

    # earned here meanwhile, then imported again: nothing doubles, Unicornia's own XP stays
    await sim.say("a message after moving in", alice)
    await sim.cog.xp.flush()
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "Imported: 0 members changed, 0 XP added" in said
    assert stored_xp(sim, alice) == 1201
    # NadekoBot kept running for a while: only the difference comes over
    conn = sqlite3.connect(source)
    conn.execute("UPDATE UserXpStats SET Xp = Xp + 30 WHERE UserId = ?", (alice.id,))
    conn.commit()
    conn.close()
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "1 member changed, 30 XP added" in said
    assert stored_xp(sim, alice) == 1231
    assert ledger(sim) == [("nadeko", alice.id, 1230), ("nadeko", bob.id, 50), ("nadeko", carol.id, 0)]


async def test_nadeko_v6_schema(sim, tmp_path):
    alice, bob = members(sim)[:2]
    role = sim.make_role("Muted", position=3)
    source = nadeko_v6(tmp_path / "nadeko6.db", sim.guild.id, [(alice.id, 765), (bob.id, 81)],
                       excluded=[(role.id, 1), (bob.id, 0)], formula=(10, 30))
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "schema v6" in said and "excluded users" in said and "custom level curve" in said
    assert stored_xp(sim, alice) == 765 and stored_xp(sim, bob) == 81
    assert await sim.cog.config.guild(sim.guild).excluded_roles() == [role.id]
    await sim.command("level profile", alice)
    assert any("level 10" in m.content.lower() or "Level" in m.content for m in sim.replies())


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_text("not a database at all"), "is not an SQLite database"),
    (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50), "damaged or truncated"),
    (lambda p: _other_bot(p), "is not a NadekoBot database"),
    (lambda p: _future_schema(p), "is not one Unicornia can read"),
    (lambda p: _truncated(p), "damaged"),
    (lambda p: _computed(p), "holds computed columns"),
])
async def test_bad_sources_are_refused_and_change_nothing(sim, tmp_path, make, message):
    alice = members(sim)[0]
    await sim.say("some XP before the import attempt", alice)
    await sim.cog.xp.flush()
    before = untouched(sim)
    path = tmp_path / "source.db"
    make(path)
    await sim.command(f"unicornia import nadeko {path}", sim.owner())
    said = "\n".join(m.content for m in sim.replies())
    assert "Nothing was imported" in said and message in said, said
    assert untouched(sim) == before


async def test_missing_file_and_not_owner(sim, tmp_path):
    await sim.command(f"unicornia import nadeko {tmp_path / 'nope.db'}", sim.owner())
    assert "there is no file at" in sim.replies()[-1].content
    alice = members(sim)[0]
    source = nadeko_v6(tmp_path / "n.db", sim.guild.id, [(alice.id, 100)])
    with pytest.raises(commands.CheckFailure):  # only the bot owner imports
        await sim.command(f"unicornia import nadeko {source}", alice)
    assert stored_xp(sim, alice) is None


def _other_bot(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE levels (user_id INTEGER, xp INTEGER)")
    conn.commit()
    conn.close()


def _computed(path):
    """NadekoBot's tables beside one whose computed column the file's check would work out for every
    row (made costly, it held the store's thread for as long as its maker liked)."""
    nadeko_v6(path, 1, [(5, 10)])
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE Costly (Raw INTEGER, Heavy INTEGER AS (Raw + length(hex(zeroblob(1000)))))")
    conn.commit()
    conn.close()


def _future_schema(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE UserXpStats (Id INTEGER PRIMARY KEY, UserId INTEGER, GuildId INTEGER, Points INTEGER)")
    conn.execute("CREATE TABLE DiscordUser (Id INTEGER PRIMARY KEY, UserId INTEGER)")
    conn.commit()
    conn.close()


def _truncated(path):
    full = path.with_name("full.db")
    conn = sqlite3.connect(full)
    conn.executescript("CREATE TABLE UserXpStats (Id INTEGER PRIMARY KEY, UserId INTEGER, GuildId INTEGER, Xp INTEGER);"
                       "CREATE TABLE DiscordUser (Id INTEGER PRIMARY KEY, UserId INTEGER);")
    conn.executemany("INSERT INTO UserXpStats (UserId, GuildId, Xp) VALUES (?, 1, ?)",
                     [(i, i) for i in range(1, 20000)])
    conn.commit()
    conn.close()
    data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# --- LevelUp -------------------------------------------------------------------------------------
async def test_levelup_v4_by_xp_with_prestige_roles_and_idempotence(sim):
    alice, bob, carol = members(sim)[:3]
    role = sim.make_role("Veteran", position=5)
    folder = sim.cog.data_path.parent / "LevelUp"
    levelup_v4(folder, sim.guild.id, {
        alice.id: {"xp": 2500.0, "voice": 600.5, "messages": 50, "level": 5},
        bob.id: {"xp": 150.0, "messages": 12, "level": 1, "prestige": 1},
        carol.id: {},  # only last_active: nothing to import
    }, algorithm={"base": 100}, prestigelevel=10, levelroles={"5": role.id},
        ignoredchannels=[sim.guild.text_channels[1].id])
    said = await confirmed(sim, "unicornia import levelup")
    assert "LevelUp data** (v4, `LevelUp.json`)" in said and "Would import **2** members" in said, said
    assert "LevelUp level 5 (2,500 XP) is Unicornia level 5" in said
    assert "takes LevelUp's level curve (custom: total = 100·L²)" in said
    assert stored_xp(sim, alice) == 2500
    assert stored_xp(sim, bob) == 150 + 100 * 10 ** 2  # prestige gave back the XP it took
    assert db_rows(sim, "SELECT MessageCount, VoiceSeconds FROM UserXpStats WHERE UserId = ?", (alice.id,)) == [(50, 600)]
    conf = sim.cog.config.guild(sim.guild)
    assert await conf.role_rewards() == {"5": [{"role": role.id, "remove": False}]}
    assert await conf.curve() == {"kind": "custom", "numbers": [0, 100, 0]}
    assert await sim.cog.get_member_level(alice) == 5  # the level LevelUp showed
    assert await conf.excluded_channels() == [sim.guild.text_channels[1].id]
    said = await confirmed(sim, "unicornia import levelup")
    assert "0 members changed" in said and stored_xp(sim, alice) == 2500


async def test_levelup_v3_settings_json(sim):
    alice = members(sim)[0]
    folder = sim.cog.data_path.parent / "LevelUp"
    levelup_v3(folder, sim.guild.id, {alice.id: {"xp": "1,234", "voice": 60.0, "messages": 9, "level": 3,
                                                 "prestige": 0}})
    said = await confirmed(sim, "unicornia import levelup")
    assert "(v3, `settings.json`)" in said
    assert stored_xp(sim, alice) == 1234


async def test_levelup_missing_or_broken(sim):
    await sim.command("unicornia import levelup", sim.owner())
    assert "LevelUp's data is not in this Red instance" in sim.replies()[-1].content
    folder = sim.cog.data_path.parent / "LevelUp"
    folder.mkdir(parents=True)
    (folder / "LevelUp.json").write_text("{broken", encoding="utf-8")
    await sim.command("unicornia import levelup", sim.owner())
    assert "could not be read as JSON" in sim.replies()[-1].content
    (folder / "LevelUp.json").write_text('{"something": "else"}', encoding="utf-8")
    await sim.command("unicornia import levelup", sim.owner())
    assert "this is not LevelUp's data" in sim.replies()[-1].content
    # shapes LevelUp never writes: each raised where it was read, with a traceback and no answer
    alice = members(sim)[0]
    for odd in ('{"configs": {"%d": {"users": {"%d": {"xp": 1%s}}}}}' % (sim.guild.id, alice.id, "0" * 400),
                '{"configs": {"%d": {"users": {}, "ignoredchannels": 5}}}' % sim.guild.id,
                "[" * 100_000 + "]" * 100_000):
        (folder / "LevelUp.json").write_text(odd, encoding="utf-8")
        await sim.command("unicornia import levelup", sim.owner())
        said = sim.replies()[-1].content
        assert said.startswith("Nothing was imported") and "could not be read as" in said, said
    assert untouched(sim)[0] == [(0,)]


# --- export and backup ---------------------------------------------------------------------------
async def test_export_csv(sim, sent):
    alice, bob = members(sim)[:2]
    await sim.command(f"unicornia guild addxp {alice.id} 500", sim.owner())
    await sim.say("hello there, I am bob", bob)
    await sim.command("unicornia guild export", sim.owner())
    data = sent[-1]["file_bytes"][0]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0][:4] == ["user_id", "xp", "level", "awarded_xp"]
    assert rows[1][:4] == [str(alice.id), "500", "7", "500"] and rows[2][:2] == [str(bob.id), "1"]
    live("commands.transfer").EXPORT_GZIP_OVER = 10  # a big server: the file is compressed
    try:
        await sim.command("unicornia guild export", sim.owner())
    finally:
        live("commands.transfer").EXPORT_GZIP_OVER = 8 * 1024 * 1024
    assert sent[-1]["files"][0].filename.endswith(".csv.gz")
    again = list(csv.reader(io.StringIO(gzip.decompress(sent[-1]["file_bytes"][0]).decode("utf-8"))))
    assert again[:3] == rows[:3]
    await sim.cog.settings.update(sim.guild.id, lambda g: g.curve.set({"kind": "linear", "numbers": [100]}))
    await sim.command("unicornia guild export", sim.owner())
    linear = list(csv.reader(io.StringIO(sent[-1]["file_bytes"][0].decode("utf-8"))))
    assert linear[1][:3] == [str(alice.id), "500", "5"]  # levels on the server's own curve


async def test_backup_is_a_consistent_copy(sim):
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 77", sim.owner())
    await sim.command("unicornia backup", sim.owner())
    text = sim.replies()[-1].content
    assert "Backup written to" in text
    path = text.split("`")[1]
    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT Xp FROM UserXpStats WHERE UserId = ?", (alice.id,)).fetchall() == [(77,)]
    finally:
        copy.close()
    with pytest.raises(commands.CheckFailure):  # only the bot owner
        await sim.command("unicornia backup", alice)


async def test_a_unicornia_backup_is_not_imported_as_nadekobots(sim):
    """Its tables have NadekoBot's names; taken for NadekoBot's, every member's XP would come twice."""
    alice = members(sim)[0]
    await sim.command(f"unicornia guild addxp {alice.id} 77", sim.owner())
    await sim.command("unicornia backup", sim.owner())
    backup = sim.replies()[-1].content.split("`")[1]
    unmarked = backup.replace(".db", "-unmarked.db")  # a backup made before files were marked
    with sqlite3.connect(backup) as copy, sqlite3.connect(unmarked) as target:
        copy.backup(target)
        target.execute("PRAGMA application_id = 0")
    before = untouched(sim)
    for path in (backup, unmarked):
        await sim.command(f"unicornia import nadeko {path}", sim.owner())
        said = sim.replies()[-1].content
        assert "Nothing was imported: this is a Unicornia database" in said and "`!unicornia backup`" in said, said
    assert untouched(sim) == before and stored_xp(sim, alice) == 77


async def test_progress_message_shows_bar_counts_and_rate(sim, tmp_path, monkeypatch):
    crowd = [(10**17 + i, 100 + i) for i in range(30_000)]
    source = nadeko_v6(tmp_path / "big.db", sim.guild.id, crowd)
    transfer = live("commands.transfer")
    edits = []

    async def recording_edit(message, text):
        edits.append(text)

    monkeypatch.setattr(transfer, "_edit", recording_edit)
    monkeypatch.setattr(transfer, "PROGRESS_EVERY", 0.001)
    store = live("db.transfer")
    monkeypatch.setattr(store, "CHUNK", 500)  # many small steps, so the loop sees it move
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "Imported: 30,000 members changed" in said, said
    moving = [e for e in edits if "rows/s" in e and "/30,000" in e]
    assert moving and moving[-1].startswith("Done: `████████████████████` 30,000/30,000 (100%)"), edits[-3:]
    assert len(edits) >= 2


async def test_imported_activity_does_not_complete_quests(goals_sim):
    sim = goals_sim
    await set_goal_features(sim, achievements=False, goal=False, default_quests=False)
    await sim.command('unicornia guild quest add monthly messages 100 50 "Hundred"', sim.owner())
    alice = members(sim)[0]
    await sim.say("my first message this month", alice)
    await sim.cog.xp.flush()  # alice's baseline for the month
    levelup_v4(sim.cog.data_path.parent / "LevelUp", sim.guild.id, {alice.id: {"xp": 900.0, "messages": 5000}})
    said = await confirmed(sim, "unicornia import levelup")
    assert "1 member changed" in said
    await sim.say("and one more after moving in", alice)
    await sim.cog.xp.flush()
    await sim.settle()
    assert db_rows(sim, "SELECT COUNT(*) FROM QuestCompletion") == [(0,)]
    assert [s.progress for s in await sim.cog.goals.statuses(alice)] == [2]


# --- what NadekoBot v6 owners would miss ---------------------------------------------------------
async def test_nadeko_v6_zero_rate_channels_are_exclusions(sim, tmp_path):
    alice = members(sim)[0]
    quiet, slow, *_ = sim.guild.text_channels[1:] + [sim.guild.text_channels[0]]
    voice = sim.guild.voice_channels[0] if sim.guild.voice_channels else sim.guild.text_channels[0]
    source = nadeko_v6(tmp_path / "rates.db", sim.guild.id, [(alice.id, 50)],
                       channel_rates=[(quiet.id, 0, 0), (slow.id, 0, 3), (voice.id, 1, 0), (quiet.id, 1, 0),
                                      (987654321987654321, 0, 0)])
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "2 excluded channels" in said and "1 excluded channels that no longer exist" in said, said
    assert sorted(await sim.cog.config.guild(sim.guild).excluded_channels()) == sorted({quiet.id, voice.id})


async def test_nadeko_server_excluded_turns_xp_off_and_is_in_the_dry_run(sim, tmp_path):
    alice = members(sim)[0]
    source = nadeko_v4(tmp_path / "off.db", sim.guild.id, [(alice.id, 100, 0)], server_excluded=True)
    said = await confirmed(sim, f"unicornia import nadeko {source}", answer="no")
    assert "had XP turned off for the whole server in NadekoBot" in said and "`xpenabled false`" in said, said
    assert await sim.cog.config.guild(sim.guild).enabled() is True  # the dry run wrote nothing
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "Imported: 1 member changed" in said, said
    assert await sim.cog.config.guild(sim.guild).enabled() is False
    await sim.say("a message in a server where XP is off", alice)
    await sim.cog.xp.flush()
    assert stored_xp(sim, alice) == 100


async def test_nadeko_settings_of_a_server_without_stats_are_imported(sim, tmp_path):
    role = sim.make_role("Old Guard", position=4)
    channel = sim.guild.text_channels[1]
    source = nadeko_v6(tmp_path / "empty.db", sim.guild.id, [], excluded=[(role.id, 1)],
                       channel_rates=[(channel.id, 0, 0)], role_rewards=[(3, role.id, False)])
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "Would import **0** members" in said and "there is nothing to import" not in said, said
    assert "Imported: 0 members changed" in said, said
    conf = sim.cog.config.guild(sim.guild)
    assert await conf.role_rewards() == {"3": [{"role": role.id, "remove": False}]}
    assert await conf.excluded_channels() == [channel.id] and await conf.excluded_roles() == [role.id]


# --- LevelUp: autoremove and roles below Unicornia's level 1 ------------------------------------
async def test_levelup_autoremove_and_level_zero_roles(sim):
    alice = members(sim)[0]
    starter = sim.make_role("Starter", position=2)
    veteran = sim.make_role("Veteran", position=5)
    levelup_v4(sim.cog.data_path.parent / "LevelUp", sim.guild.id, {alice.id: {"xp": 2500.0}},
               algorithm={"base": 10, "exp": 2.5}, levelroles={"1": starter.id, "9": veteran.id}, autoremove=True)
    said = await confirmed(sim, "unicornia import levelup", answer="no")
    assert "1 level roles whose XP is Unicornia level 0 (@Starter at LevelUp level 1)" in said, said
    assert "kept only the highest level role in LevelUp (autoremove)" in said and "`rolemode replace`" in said
    said = await confirmed(sim, "unicornia import levelup")
    assert "1 member changed" in said, said
    conf = sim.cog.config.guild(sim.guild)
    assert await conf.role_mode() == "replace"
    rewards = await conf.role_rewards()
    assert [e["role"] for entries in rewards.values() for e in entries] == [veteran.id]


async def test_levelup_import_keeps_a_curve_the_admin_chose(sim):
    alice = members(sim)[0]
    veteran = sim.make_role("Veteran", position=5)
    await sim.cog.settings.update(sim.guild.id, lambda g: g.curve.set({"kind": "linear", "numbers": [100]}))
    levelup_v4(sim.cog.data_path.parent / "LevelUp", sim.guild.id, {alice.id: {"xp": 2500.0}},
               levelroles={"5": veteran.id})
    said = await confirmed(sim, "unicornia import levelup")
    assert "keeps its own level curve (linear: every level costs 100)" in said, said
    assert "LevelUp level 5 (2,500 XP) is Unicornia level 25" in said
    conf = sim.cog.config.guild(sim.guild)
    assert await conf.curve() == {"kind": "linear", "numbers": [100]}
    assert await conf.role_rewards() == {"25": [{"role": veteran.id, "remove": False}]}


async def test_nadeko_rows_with_impossible_xp_are_skipped_and_the_rest_imported(sim, tmp_path):
    """SQLite keeps 9e999 (infinity), a text or 2**63-1 in an INTEGER column as it is: imported, one
    such row broke every leaderboard of the server and could not be repaired by an admin."""
    alice, bob, carol = members(sim)[:3]
    dave = sim.make_member("Dave")
    source = nadeko_v6(tmp_path / "odd.db", sim.guild.id, [(alice.id, 765), (bob.id, 1), (carol.id, 1), (dave.id, 1)])
    with sqlite3.connect(source) as conn:
        conn.execute("UPDATE UserXpStats SET Xp = 9e999 WHERE UserId = ?", (bob.id,))
        conn.execute("UPDATE UserXpStats SET Xp = 'lots' WHERE UserId = ?", (carol.id,))
        conn.execute("UPDATE UserXpStats SET Xp = ? WHERE UserId = ?", (2 ** 63 - 1, dave.id))
    conn.close()
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "rows whose XP is not a whole number from 0 to 10^15" in said and "Traceback" not in said
    assert stored_xp(sim, alice) == 765 and [stored_xp(sim, m) for m in (bob, carol, dave)] == [None] * 3
    await sim.command("level leaderboard 1 xp true", alice)
    assert "765" in sim.replies()[-1].embeds[0].description


async def test_nadeko_rewards_that_are_not_numbers_are_skipped(sim, tmp_path):
    alice = members(sim)[0]
    role = sim.make_role("Regular", position=3)
    source = nadeko_v6(tmp_path / "rewards.db", sim.guild.id, [(alice.id, 100)], role_rewards=[(5, role.id, 0)])
    with sqlite3.connect(source) as conn:
        conn.execute("INSERT INTO XpRoleReward (XpSettingsId, Level, RoleId, Remove) VALUES (1, 'abc', ?, 0)",
                     (role.id,))
        conn.execute("INSERT INTO XpCurrencyReward (XpSettingsId, Level, Amount) VALUES (1, 3, ?)", (2 ** 63 - 1,))
        conn.execute("INSERT INTO XpCurrencyReward (XpSettingsId, Level, Amount) VALUES (1, 9e999, 10)")
    conn.close()
    said = await confirmed(sim, f"unicornia import nadeko {source}")
    assert "rewards with a level or role that is not a number Unicornia can use" in said, said
    settings = await sim.cog.settings.get(sim.guild.id)
    assert [(r.level, r.role_id) for r in settings.role_rewards] == [(5, role.id)]
    assert settings.currency_rewards == {} and stored_xp(sim, alice) == 100
