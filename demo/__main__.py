"""Replay a day of a busy guild through Unicornia and print what its members would see.

No Discord token and no network: a real Red bot (Red's loader, Config, bank) runs against
dpytest's fake gateway, and Unicornia is loaded with ``[p]addpath`` + ``[p]load``.
"""
from __future__ import annotations

import asyncio
import logging
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path.cwd() / "demo-output"

MEMBERS = 300
MESSAGES = 20_000
DAY = 24 * 3600
SEED = 2026


class SimClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Transcript:
    """Prints what a member would see, and keeps a copy for demo-output/."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.guild = None
        self.saved = 0

    def say(self, text: str = "") -> None:
        text = self._as_shown(text)
        print(text)
        self.lines.append(text)

    def _as_shown(self, text: str) -> str:
        """Discord shows <@id> and <#id> as names; so does the transcript."""
        if self.guild is None:
            return text
        guild = self.guild

        def user(match):
            member = guild.get_member(int(match.group(1)))
            return f"@{member.display_name}" if member else match.group(0)

        def channel(match):
            found = guild.get_channel(int(match.group(1)))
            return f"#{found.name}" if found else match.group(0)

        return re.sub(r"<#(\d+)>", channel, re.sub(r"<@!?(\d+)>", user, text))

    def _save_files(self, recorder, label: str) -> None:
        """dpytest loses text sent with files: show what the cog sent, and keep the images."""
        call = next((c for c in reversed(recorder.calls) if c["files"]), None)
        if call is None:
            return
        if call["content"]:
            self.say(f"  bot> {call['content']}")
        if call["embed"] is not None:
            self.say(f"  bot> [{call['embed'].title}]")
        for file, data in zip(call["files"], call["file_bytes"]):
            self.saved += 1
            stem = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower() or "member"
            path = OUTPUT / f"{self.saved:02d}-{stem}-{file.filename}"
            path.write_bytes(data)
            self.say(f"       (image: {path.relative_to(OUTPUT.parent)}, {len(data) / 1024:.0f} KiB)")

    def slash(self, result, label: str) -> None:
        """What a slash command showed: its text, who could see it, and any image it posted."""
        for sent in result.responses:
            if not sent.shows_message:
                continue
            who = " (only they see this)" if sent.ephemeral else ""
            for line in (sent.text or "").splitlines():
                self.say(f"  bot{who}> {line}")
            for filename, data in sent.files:
                self.saved += 1
                stem = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
                path = OUTPUT / f"{self.saved:02d}-{stem}-{filename}"
                path.write_bytes(data)
                self.say(f"       (image: {path.relative_to(OUTPUT.parent)}, {len(data) / 1024:.0f} KiB)")
        if result.deferred:
            self.say("       (the bot showed \"thinking...\" while it drew)")

    def section(self, title: str) -> None:
        self.say()
        self.say(f"== {title} " + "=" * max(0, 70 - len(title)))

    def replies(self, messages, recorder=None, label: str = "") -> None:
        for message in messages:
            if message.attachments and recorder is not None:
                self._save_files(recorder, label)
                continue
            if message.content:
                self.say(f"  bot> {message.content}")
            for embed in message.embeds:
                self.say(f"  bot> [{embed.title}]")
                if embed.description:
                    for line in embed.description.splitlines():
                        self.say(f"       {line}")
                for field in embed.fields:
                    self.say(f"       {field.name}: {field.value}")
                if embed.footer and embed.footer.text:
                    self.say(f"       ({embed.footer.text})")


async def run() -> int:
    from harness.redbot_env import SendRecorder, start_bot
    from demo.names import CHATTER, member_names
    import discord.ext.test as dpytest

    rng = random.Random(SEED)
    out = Transcript()
    OUTPUT.mkdir(exist_ok=True)
    for old in OUTPUT.glob("*"):
        old.unlink()
    started = time.perf_counter()
    recorder = SendRecorder().install()

    with tempfile.TemporaryDirectory(prefix="unicornia-demo-") as tmp:
        sim = await start_bot(Path(tmp) / "red-data", guilds=["Unicorn Lounge"], members=0, text_channels=["general"],
                              voice_channels=0)
        guild = out.guild = sim.guild
        sim.give_bot_role()
        general = guild.text_channels[0]
        offtopic = sim.make_category("Off-topic")
        memes = sim.make_text_channel("memes", category=offtopic)
        spam = sim.make_text_channel("bot-spam")
        lounge, gaming = sim.make_voice_channel("Lounge"), sim.make_voice_channel("Gaming")
        roles = {name: sim.make_role(name, position=5) for name in ("Newcomer", "Regular", "Veteran", "Legend", "Muted")}
        people = [sim.make_member(name) for name in member_names(MEMBERS, rng)]
        robot = sim.make_member("MusicBot", bot=True)
        muted = people[-5:]
        for person in muted:
            sim.set_roles(person, [roles["Muted"]])
        from redbot.core import bank

        opening_balance = {p.id: await bank.get_balance(p) for p in people}

        out.section("Bot owner loads the cog")
        out.say(f"  owner> !addpath {REPO_ROOT}")
        out.say("  owner> !load unicornia")
        await sim.load_cog(REPO_ROOT)
        clock = SimClock()
        xp = sim.cog.xp
        xp.clock = clock

        out.section("Admin sets the server up")
        setup = [
            "unicornia guild xppermessage 5", "unicornia guild cooldown 60", "unicornia guild voicexp 2",
            f"unicornia guild excludechannel {spam.mention}", "unicornia guild excluderole Muted",
            "unicornia guild rolereward 1 Newcomer", "unicornia guild rolereward 5 Regular",
            "unicornia guild rolereward 5 Newcomer remove", "unicornia guild rolereward 10 Veteran",
            "unicornia guild rolereward 15 Legend", "unicornia guild currencyreward 3 100",
            "unicornia guild currencyreward 5 250", "unicornia guild currencyreward 10 1000",
            "unicornia guild xprate 0", "unicornia guild xprate 1.5",
            # off until asked for: this admin wants all three
            "unicornia guild achievement toggle true", "unicornia guild quest toggle true", "unicornia guild goal true",
            "unicornia guild settings",
        ]
        for command in setup:
            out.say(f"  admin> !{command}")
            await sim.command(command, sim.owner())
            out.replies(sim.replies())

        # activity: a few very chatty members, a long tail of lurkers
        weights = [1.0 / (i + 1) ** 0.9 for i in range(len(people))]
        times = sorted(rng.uniform(0, DAY) for _ in range(MESSAGES))
        channels = [general] * 6 + [memes] * 2 + [spam]
        voice_sessions = [
            (rng.uniform(0, DAY - 7200), rng.uniform(1800, 7200), rng.choice(people[:60]), rng.choice((lounge, gaming)),
             rng.random() < 0.1)
            for _ in range(60)
        ]
        handled, handle_seconds, flushes, flush_seconds, voice_paid = 0, 0.0, 0, 0.0, 0
        real_observe = xp.observe_message

        def timed_observe(message, *args):
            """The listener's synchronous XP step, timed (a message the engine takes a second look
            at, after reading settings or asking Red's rules, is timed twice but counted once)."""
            nonlocal handle_seconds
            t = time.perf_counter()
            pending = real_observe(message, *args)
            handle_seconds += time.perf_counter() - t
            return pending

        xp.observe_message = timed_observe
        next_flush, next_voice = 30.0, 60.0
        out.section(f"A day in the server: {MESSAGES:,} messages from {MEMBERS} members, 60 voice sessions")
        announcements = []
        for at in times:
            while next_flush <= at or next_voice <= at:
                if next_voice <= next_flush:
                    clock.now = next_voice
                    _update_voice(sim, voice_sessions, next_voice, robot, lounge)
                    voice_paid += await xp.voice_tick()
                    next_voice += 60.0
                else:
                    clock.now = next_flush
                    t = time.perf_counter()
                    await xp.flush()
                    flush_seconds += time.perf_counter() - t
                    flushes += 1
                    next_flush += 30.0
            clock.now = at
            author = rng.choices(people, weights)[0]
            await dpytest.message(rng.choice(CHATTER), channel=rng.choice(channels), member=author)
            handled += 1
            announcements.extend(m.content for m in sim.replies() if "reached **level" in m.content)
        await xp.flush()
        out.say(f"  {handled:,} messages seen, {len(announcements):,} level-ups announced, {voice_paid:,} voice minutes paid")
        for line in announcements[:3] + ["  ..."] + announcements[-3:]:
            out.say(f"  bot> {line}" if line.strip() != "..." else line)

        out.section("The XP shop")
        shopper, collector = people[1], people[0]
        for person, command in ((shopper, "xpshop"), (shopper, "xpshop buy sunset"), (shopper, "xpshop use sunset")):
            out.say(f"  {person.display_name}> !{command}")
            await sim.command(command, person)
            out.replies(sim.replies(), recorder, label="shop")
        out.say(f"  (the owner runs a giveaway: {collector.display_name} wins 5,000 credits)")
        await bank.deposit_credits(collector, 5000)
        for command in ("xpshop buy aurora", "xpshop use aurora", "xpshop owned"):
            out.say(f"  {collector.display_name}> !{command}")
            await sim.command(command, collector)
            out.replies(sim.replies(), recorder)

        out.section("Members check their levels (cards are saved in demo-output/)")
        top = [entry.user_id for entry in await _top(sim, 5)]
        checked = [guild.get_member(uid) for uid in top] + [people[4], people[150], muted[0]]
        seen = set()
        for person in checked:
            if person is None or person.id in seen:
                continue
            seen.add(person.id)
            out.say(f"  {person.display_name}> !level check")
            await sim.command("level check", person)
            out.replies(sim.replies(), recorder, label=person.display_name)

        out.section("The leaderboard")
        out.say(f"  {people[3].display_name}> !level leaderboard")
        await sim.command("level leaderboard", people[3])
        out.replies(sim.replies())
        out.say(f"  {people[3].display_name}> !level rewards")
        await sim.command("level rewards", people[3])
        out.replies(sim.replies())

        out.section("Slash commands (after the owner's !slash enablecog unicornia)")
        await sim.enable_app_commands("unicornia")
        asker = people[3]
        for command, options in (("level check", {}), ("level leaderboard", {"sort": "messages"}), ("xpshop owned", {})):
            shown = " ".join(f"{k}:{v}" for k, v in options.items())
            out.say(f"  {asker.display_name}> /{command} {shown}".rstrip())
            result = await sim.slash(command, asker, **options)
            out.slash(result, label=f"slash-{asker.display_name}")

        out.section("The same server in German (owner: !set locale server de-DE)")
        await sim.command("set locale server de-DE", sim.owner())
        sim.replies()
        for command in ("level rewards", "daily", "level leaderboard"):
            out.say(f"  {asker.display_name}> !{command}")
            await sim.command(command, asker)
            out.replies(sim.replies())
        out.say(f"  {asker.display_name}> !level check")
        await sim.command("level check", asker)
        out.replies(sim.replies(), recorder, label=f"{asker.display_name}-de")
        await sim.command("set locale server en-US", sim.owner())
        sim.replies()

        out.section("Rewards that were paid")
        holders = {name: sum(1 for p in people if role in p.roles) for name, role in roles.items() if name != "Muted"}
        out.say("  members holding each reward role: " + ", ".join(f"{k} {v}" for k, v in holders.items()))
        paid = [await bank.get_balance(p) - opening_balance[p.id] for p in people]
        out.say(f"  currency paid in level rewards: {sum(paid):,} credits to {sum(1 for b in paid if b)} members")
        out.section("Goals: achievements, quests and the server goal (from the audit log)")
        await xp.flush()
        await xp.settle()
        for kind, rows, xp_paid in _db_rows(sim, "SELECT Kind, COUNT(*), SUM(Amount) FROM AuditLog "
                                                "WHERE Kind IN ('achievement', 'quest', 'goal') GROUP BY Kind ORDER BY Kind"):
            out.say(f"  {kind}: {rows:,} paid, {xp_paid:,} XP in all")
        top = _db_rows(sim, "SELECT Key, COUNT(*) FROM UserAchievement GROUP BY Key ORDER BY COUNT(*) DESC LIMIT 5")
        out.say("  most unlocked achievements: " + ", ".join(f"{k} ({n})" for k, n in top))

        out.section("Reload: nothing is lost")
        clock.now += 61
        await dpytest.message("one more before the reload", channel=general, member=people[1])
        before = _db_total(sim)
        out.say(f"  XP in the database {before:,}, one message ({sum(g.xp for g in xp.buffer.values())} XP) still buffered")
        out.say("  owner> !reload unicornia")
        await sim.reload_cog()
        out.say(f"  XP in the database after reload: {_db_total(sim):,}")

        elapsed = time.perf_counter() - started
        db_size = (sim.cog.data_path / "unicornia.db").stat().st_size
        out.section("Timing")
        out.say(f"  XP engine per message (rules, cache, buffer, level check): "
                f"{handle_seconds / max(handled, 1) * 1e6:.0f} µs on average over {handled:,} messages")
        out.say(f"  flushes: {flushes}, {flush_seconds / max(flushes, 1) * 1e3:.2f} ms on average (one transaction each)")
        out.say(f"  database: {db_size / 1024:.0f} KiB; whole demo: {elapsed:.1f} s")
        await sim.close()

    (OUTPUT / "transcript.txt").write_text("\n".join(out.lines) + "\n", encoding="utf-8")
    print(f"\nTranscript written to {OUTPUT / 'transcript.txt'}")
    return 0


async def _top(sim, count: int):
    from unicornia.systems import standing

    return await standing.leaderboard(sim.cog.xp, sim.cog.store, sim.guild.id, count)


def _update_voice(sim, sessions, now: float, robot, lounge) -> None:
    for start, length, member, channel, deafened in sessions:
        inside = start <= now < start + length
        current = member.voice.channel if member.voice else None
        if inside and current is None:
            sim.set_voice(member, channel, self_deaf=deafened)
        elif not inside and current is not None and not any(
            s[0] <= now < s[0] + s[1] and s[2] is member for s in sessions
        ):
            sim.set_voice(member, None)
    if robot.voice is None:
        sim.set_voice(robot, lounge)


def _db_total(sim) -> int:
    return _db_rows(sim, "SELECT COALESCE(SUM(Xp), 0) FROM UserXpStats")[0][0]


def _db_rows(sim, query: str) -> list[tuple]:
    conn = sqlite3.connect(sim.cog.data_path / "unicornia.db")
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


class _Errors(logging.Handler):
    """Counts what was logged as an error: the demo fails if the bot logged any."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # the simulated day runs on a simulated clock; Red notices and warns, which is expected here
    logging.getLogger("red").setLevel(logging.ERROR)
    logging.getLogger("red.unicornia").setLevel(logging.WARNING)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    sys.path.insert(0, str(REPO_ROOT))
    status = asyncio.run(run())
    if errors.count:
        print(f"\nThe bot logged {errors.count:,} error(s) above: the demo failed", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
