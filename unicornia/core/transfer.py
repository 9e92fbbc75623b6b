"""Moving in: recognising NadekoBot's database schema and reading vertyco's LevelUp data.

Pure: table and column names in, a description of what can be read out; JSON in, rows out.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from redbot.core.utils.chat_formatting import humanize_number

from ..i18n import _, decimal
from .periods import progress_bar
from .templates import clip

MAX_ID = 2**63 - 1  # SQLite's INTEGER, and every Discord snowflake so far
MAX_XP = 10**15  # more than anyone earns; keeps sums of imported XP inside SQLite's INTEGER

# NadekoBot's enums (its source: XpShopItemType, ExcludedItemType, XpExcludedItemType); the
# values not named here (frames = 1, v6's excluded users = 0) have no counterpart in Unicornia
NADEKO_BACKGROUND = 0
NADEKO_EXCLUDED_CHANNEL, NADEKO_EXCLUDED_ROLE = 0, 1  # ExcludedItem (v4, v5, early v6)
NADEKO_V6_EXCLUDED_ROLE = 1  # XpExcludedItem (v6)
NADEKO_CURVE = (9, 27)  # XpFormulaA, XpFormulaC: the curve Unicornia uses too


class ImportRefused(ValueError):
    """A source that can't be imported; ``str()`` says why, in words an admin can act on."""


@dataclass(frozen=True)
class NadekoSchema:
    """Which of NadekoBot's tables and columns a database has (v4, v5 and v6 differ)."""

    awarded_xp: bool            # UserXpStats.AwardedXp: v4 and v5 before December 2024
    shop: bool                  # XpShopOwnedItem
    settings_by_guild_id: bool  # XpSettings.GuildId (v6) rather than GuildConfigId -> GuildConfigs
    settings: bool              # XpSettings (and its rewards) at all
    old_exclusions: bool        # ExcludedItem (channels and roles)
    new_exclusions: bool        # XpExcludedItem (users and roles, v6)
    custom_curve: bool          # XpSettings.XpFormulaA/C (newest v6)
    last_migration: Optional[str]
    channel_rates: bool = False    # ChannelXpConfig (newest v6): a rate of 0 excludes the channel
    server_excluded: bool = False  # XpSettings.ServerExcluded: XP off for the whole server

    @property
    def version(self) -> str:
        if self.awarded_xp:
            return "v4/v5"
        return "v6" if self.settings_by_guild_id or self.new_exclusions else "v5"


#: Tables only a Unicornia database has (its files from before they were marked with an application id).
UNICORNIA_TABLES = frozenset({"ImportLedger", "CounterBaseline", "XpHistory"})


def nadeko_schema(columns: Mapping[str, set[str]], last_migration: Optional[str], *,
                  unicornia_file: bool = False) -> NadekoSchema:
    """Recognise the schema from ``{table: {columns}}``; ImportRefused when it is not NadekoBot's
    or not a version this importer knows.  ``unicornia_file``: the file carries Unicornia's mark."""
    if unicornia_file or UNICORNIA_TABLES & set(columns):  # its XP would be added a second time
        raise ImportRefused(_("this is a Unicornia database (a `[p]unicornia backup` file, or this cog's own), not "
                              "NadekoBot's: its XP is already Unicornia's. To move a Unicornia database to this bot, "
                              "unload the cog and put the file in place of the one in its data folder"))
    stats = columns.get("UserXpStats")
    if stats is None or "DiscordUser" not in columns:
        found = ", ".join(sorted(columns)[:8]) or _("no tables")
        raise ImportRefused(_("this is not a NadekoBot database: it has no UserXpStats and DiscordUser tables "
                              "(it has {found})").format(found=found))
    missing = {"UserId", "GuildId", "Xp"} - stats
    if missing:
        raise ImportRefused(_("this NadekoBot schema (last migration {migration}) is not one Unicornia can read: "
                              "UserXpStats has no {columns} column").format(
                                migration=last_migration or _("unknown"), columns=", ".join(sorted(missing))))
    settings = columns.get("XpSettings", set())
    if settings and not ({"GuildId", "GuildConfigId"} & settings):
        raise ImportRefused(_("this NadekoBot schema (last migration {migration}) is not one Unicornia can read: "
                              "XpSettings has neither GuildId nor GuildConfigId").format(
                                migration=last_migration or _("unknown")))
    shop = columns.get("XpShopOwnedItem", set())
    return NadekoSchema(
        awarded_xp="AwardedXp" in stats,
        shop={"UserId", "ItemType", "ItemKey", "IsUsing"} <= shop,
        settings_by_guild_id="GuildId" in settings,
        settings=bool(settings) and ("GuildId" in settings or "GuildConfigs" in columns),
        old_exclusions={"ItemId", "ItemType", "XpSettingsId"} <= columns.get("ExcludedItem", set()),
        new_exclusions={"GuildId", "ItemId", "ItemType"} <= columns.get("XpExcludedItem", set()),
        custom_curve="XpFormulaA" in settings,
        last_migration=last_migration,
        channel_rates={"GuildId", "ChannelId", "XpAmount"} <= columns.get("ChannelXpConfig", set()),
        server_excluded="ServerExcluded" in settings,
    )


def valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


# --- LevelUp -------------------------------------------------------------------------------------
LEVELUP_CONFIG_ID = "117117117"  # its Red Config identifier (v3)


@dataclass(frozen=True)
class LevelUpCurve:
    """LevelUp's curve: reaching level L takes ceil(base * L ** exp) XP in total."""

    base: float = 100
    exp: float = 2.0

    def xp_for(self, level: int) -> int:
        """Capped at what SQLite can hold (a hand-edited file may ask for absurd levels)."""
        if level <= 0:
            return 0
        try:
            return min(math.ceil(self.base * level ** self.exp), MAX_XP)
        except OverflowError:
            return MAX_XP


@dataclass
class LevelUpGuild:
    guild_id: int
    curve: LevelUpCurve
    members: list[tuple[int, int, int, int]] = field(default_factory=list)  # (user, xp, messages, voice s)
    level_roles: list[tuple[int, int]] = field(default_factory=list)  # (LevelUp level, role)
    ignored_channels: list[int] = field(default_factory=list)
    ignored_roles: list[int] = field(default_factory=list)
    autoremove: bool = False  # keep only the highest level role (Unicornia's `rolemode replace`)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _number(value: Any) -> float:
    """LevelUp numbers: ints, floats, or (very old data) strings such as "1,234"."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[\d,]+(\.\d+)?\s*", value):
        return float(value.replace(",", ""))
    raise ValueError(f"not a number: {value!r}")


def _id(value: Any) -> int:
    number = int(str(value).strip())
    if not 0 < number <= MAX_ID:
        raise ValueError("id out of range")
    return number


def parse_levelup(data: Any) -> tuple[str, list[LevelUpGuild]]:
    """LevelUp's data (v4+: LevelUp.json; v3: Red Config's settings.json) as guilds of rows.

    Returns (version, guilds).  Members are (user id, total XP, messages, voice seconds), XP
    including what prestige took away, so it maps onto Unicornia's curve by XP.
    """
    if not isinstance(data, dict):
        raise ImportRefused(_("LevelUp's file does not hold a JSON object"))
    if "configs" in data and isinstance(data["configs"], dict):
        version, guilds = "v4", data["configs"]
    elif isinstance(data.get(LEVELUP_CONFIG_ID), dict) and isinstance(data[LEVELUP_CONFIG_ID].get("GUILD", {}), dict):
        version, guilds = "v3", data[LEVELUP_CONFIG_ID].get("GUILD", {})
    else:
        raise ImportRefused(_("this is not LevelUp's data: no `configs` (v4) or `117117117` (v3) section"))
    out = []
    for raw_gid, conf in guilds.items():
        try:
            gid = _id(raw_gid)
        except ValueError:
            continue
        if not isinstance(conf, dict):
            continue
        out.append(_levelup_guild(gid, conf, version))
    return version, out


def _levelup_guild(gid: int, conf: dict, version: str) -> LevelUpGuild:
    algorithm = conf.get("algorithm", {}) if version == "v4" else conf
    try:
        curve = LevelUpCurve(float(_number(algorithm.get("base", 100))), float(_number(algorithm.get("exp", 2.0))))
        if curve.base <= 0 or curve.exp <= 0:
            raise ValueError
    except (ValueError, AttributeError):
        curve = LevelUpCurve()
    prestige_level = conf.get("prestigelevel" if version == "v4" else "prestige", 0)
    try:
        per_prestige = curve.xp_for(int(_number(prestige_level)))
    except (ValueError, TypeError):
        per_prestige = 0
    guild = LevelUpGuild(gid, curve, autoremove=conf.get("autoremove") is True)
    users = conf.get("users", {})
    for raw_uid, profile in (users.items() if isinstance(users, dict) else ()):
        try:
            uid = _id(raw_uid)
            if not isinstance(profile, dict):
                raise ValueError
            xp = _number(profile.get("xp", 0))
            prestige = int(_number(profile.get("prestige", 0)))
            messages = int(_number(profile.get("messages", 0)))
            voice = int(_number(profile.get("voice", 0)))
        except (ValueError, TypeError):
            guild.skip(_("unreadable profile"))
            continue
        total = int(round(xp)) + max(prestige, 0) * per_prestige
        if total > MAX_XP or messages > MAX_XP or voice > MAX_XP:
            guild.skip(_("impossible numbers"))
            continue
        if total <= 0 and messages <= 0 and voice <= 0:
            guild.skip(_("no XP or activity"))
            continue
        guild.members.append((uid, max(total, 0), max(messages, 0), max(voice, 0)))
    roles = conf.get("levelroles", {})
    for level, role in (roles.items() if isinstance(roles, dict) else ()):
        try:
            guild.level_roles.append((int(_number(level)), _id(role)))
        except (ValueError, TypeError):
            guild.skip(_("unreadable level role"))
    for key, target in (("ignoredchannels", guild.ignored_channels), ("ignoredroles", guild.ignored_roles)):
        for value in conf.get(key, []) or []:
            try:
                target.append(_id(value))
            except (ValueError, TypeError):
                continue
    return guild


# --- restoring a backup --------------------------------------------------------------------------
class RestoreRefused(ValueError):
    """A backup that can't be restored; ``str()`` says why, in words the owner can act on."""


@dataclass(frozen=True)
class BackupFacts:
    """What a backup file says about itself, read without trusting it."""

    integrity: str          # PRAGMA integrity_check's first line: "ok" for a sound file
    application_id: int
    user_version: int       # Unicornia's schema version
    tables: frozenset[str]
    #: Triggers and views in it: Unicornia makes none, and once restored one would run on every
    #: write the cog makes (deleting rows, refusing writes, growing the file without end)
    code: int = 0


def check_backup(facts: BackupFacts, *, our_application_id: int, our_version: int,
                 own_tables: frozenset[str]) -> None:
    """RestoreRefused unless the file is a sound Unicornia database this Unicornia can read."""
    if facts.integrity != "ok":
        raise RestoreRefused(_("the file is damaged ({problem})").format(problem=facts.integrity))
    marked = facts.application_id == our_application_id
    if facts.application_id not in (0, our_application_id) or not own_tables <= facts.tables or (
            not marked and facts.user_version <= 0):
        raise RestoreRefused(_("the file is not a Unicornia database (it is another program's)"))
    if facts.code:
        raise RestoreRefused(_("the file holds triggers or views, which Unicornia never makes: it was changed by "
                               "something else"))
    if facts.user_version > our_version:
        raise RestoreRefused(_("the file was written by a newer Unicornia (schema {version}; this one reads up to "
                               "{supported}): update the cog first").format(version=facts.user_version,
                                                                              supported=our_version))


def listed_backup(name: str, listed: list[str]) -> Optional[str]:
    """``name`` when it is exactly one of the ``listed`` file names (quotes around it allowed); None
    for anything else, paths included, so nothing outside the backups folder is ever opened."""
    name = name.strip().strip("`\"'").strip()
    return name if name in listed else None


def phase_names() -> dict[str, str]:
    """An import's phases (``Progress.phase`` and the command's own) as shown, in the current language."""
    return {"starting": _("Starting"), "Starting": _("Starting"), "Counting": _("Counting"), "Reading": _("Reading"),
            "Writing": _("Writing"), "Done": _("Done"), "Stopped": _("Stopped"), "Failed": _("Failed")}


def progress_text(phase: str, done: int, total: int, rate: float, width: int = 20) -> str:
    """One line an import edits as it goes: a bar, counts and rows per second.

    ``phase`` is a key of :func:`phase_names` (another text is shown as it is)."""
    bar = progress_bar(done, total, width)
    percent = f"{100 * done / total:.0f}%" if total else "…"
    return _("{phase}: `{bar}` {done}/{total} ({percent}) · {rate} rows/s").format(
        phase=phase_names().get(phase, phase), bar=bar, done=humanize_number(done), total=humanize_number(total),
        percent=percent, rate=decimal(rate, 0))


#: Items a dry run names in one list (keys, roles) before "and N more".
LISTED = 20


def some(items: list[str], most: int = LISTED) -> str:
    """The first ``most`` of ``items``, each cut to 100 characters, and how many more there are: a
    file may name thousands of keys, or one of two megabytes, and a dry run must stay readable."""
    shown = ", ".join(clip(item, 100) for item in items[:most])
    if len(items) <= most:
        return shown
    return _("{shown} and {count} more").format(shown=shown, count=humanize_number(len(items) - most))


def summarize(counts: Mapping[str, int]) -> str:
    """``{reason: count}`` as one line, most frequent first; reasons are shown as they are."""
    return ", ".join(_("{count} {reason}").format(count=humanize_number(n), reason=reason)
                     for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])) or _("none")
