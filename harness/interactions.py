"""Slash commands, autocomplete, buttons, selects and modals against the simulated Red bot.

dpytest has no interactions, so the harness plays Discord's part for them:

* **Gateway side** (this module).  It builds INTERACTION_CREATE payloads as Discord sends them
  (fresh snowflake, token, the member with roles and channel permissions, ``resolved`` users,
  members, roles, channels and attachments, the bot's own permissions) and hands them to
  discord.py's parser, ``bot._connection.parse_interaction_create``.  From there it is the real
  code path: Red's ``RedTree`` (global checks, ``on_error``), hybrid commands and their error
  handling, discord.py's ``ViewStore`` and the cog's own views and modals.
* **HTTP side** (:mod:`harness.interaction_api`).  What the bot sends back is recorded as
  :class:`Sent` requests and answered as Discord would, with message ids, so views get
  registered under the right message and can be clicked later.

With a :class:`~harness.redbot_env.SimBot` ``sim``::

    await sim.enable_app_commands("unicornia")          # `[p]slash enablecog unicornia`, for real
    result = await sim.slash("level check", alice, member=bob)
    assert result.acknowledged and not result.ephemeral and "level 3" in result.text
    result = await sim.click(result, "Confirm", alice)  # custom_id or button label
    choices = await sim.autocomplete("xpshop buy", alice, option="item", value="sun")

Each call returns once the bot is quiet: every task the interaction started (and any task an
earlier interaction left waiting, such as a command blocked in ``view.wait()``) has finished or
is parked waiting on a member or the clock.  The recording patch is only in place during a call.
"""
from __future__ import annotations

import asyncio
import datetime
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence, Union

import discord
import discord.ext.test as dpytest
from discord import app_commands

from harness.interaction_api import (  # noqa: F401  (re-exported for tests)
    AUTOCOMPLETE_RESULT, DEFERRED_MESSAGE, DEFERRED_UPDATE, EPHEMERAL, MESSAGE, MODAL, UPDATE,
    FakeInteractionApi, InteractionResult, Sent, SlashResult, snowflake, user_payload,
)

if TYPE_CHECKING:
    from harness.redbot_env import SimBot

# interaction types
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# application command option types that nest
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
# component types
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
LABEL = 18
SELECTS = (STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT)
_SELECT_OPTION_TYPE = {USER_SELECT: discord.AppCommandOptionType.user, ROLE_SELECT: discord.AppCommandOptionType.role,
                       MENTIONABLE_SELECT: discord.AppCommandOptionType.mentionable,
                       CHANNEL_SELECT: discord.AppCommandOptionType.channel}

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024    # what Discord tells a bot in a server without boosts
DEFAULT_LOCALE = "en-US"
JOINED_LONG_AGO = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)  # dpytest members have no join date

# how long the harness waits
SETTLE_TIMEOUT = 15.0       # seconds a driven interaction may keep the bot busy
POLL_SECONDS = 0.01         # how often waiting re-checks whether the remaining tasks are parked
PARKED_SLEEP = 1.0          # a task sleeping this long or longer waits on the clock, not on work

Option = Union[str, int, float, bool, discord.abc.Snowflake, discord.File, tuple]


# =================================================================================================
# Payloads as the gateway sends them
# =================================================================================================
def member_payload(member: discord.Member, channel, *, with_user: bool = True) -> dict:
    """A guild member as interactions carry them: roles, join date and channel permissions."""
    joined = member.joined_at or JOINED_LONG_AGO
    data = {
        "roles": [str(role.id) for role in member.roles if not role.is_default()],
        "joined_at": joined.isoformat(), "nick": member.nick, "avatar": None, "deaf": False, "mute": False,
        "flags": 0, "pending": False, "communication_disabled_until": None,
        "permissions": str(channel.permissions_for(member).value),
    }
    if with_user:
        data["user"] = user_payload(member)
    return data


def role_payload(role: discord.Role) -> dict:
    """A role in ``resolved``, in discord.py 2.7's shape (``colors`` beside ``color``)."""
    colour = role.colour.value
    return {"id": str(role.id), "name": role.name, "color": colour,
            "colors": {"primary_color": colour, "secondary_color": None, "tertiary_color": None},
            "hoist": role.hoist, "position": role.position, "permissions": str(role.permissions.value),
            "managed": role.managed, "mentionable": role.mentionable, "flags": 0, "icon": None,
            "unicode_emoji": None}


def channel_payload(channel, member: discord.Member) -> dict:
    """A channel in ``resolved``: partial, with the invoker's permissions in it."""
    parent = channel.parent_id if isinstance(channel, discord.Thread) else getattr(channel, "category_id", None)
    data = {"id": str(channel.id), "name": channel.name, "type": channel.type.value,
            "permissions": str(channel.permissions_for(member).value),
            "parent_id": str(parent) if parent else None, "nsfw": False,
            "position": getattr(channel, "position", 0)}
    if isinstance(channel, discord.Thread):
        data.update(owner_id=str(channel.owner_id), member_count=channel.member_count or 0,
                    message_count=channel.message_count or 0, thread_metadata={
                        "archived": channel.archived, "auto_archive_duration": channel.auto_archive_duration,
                        "archive_timestamp": (channel.archive_timestamp or discord.utils.utcnow()).isoformat(),
                        "locked": channel.locked})
    return data


class _Resolved:
    """Collects the ``resolved`` block of an interaction: users, members, roles, channels, files."""

    def __init__(self, member: discord.Member, channel, uploads: "_Uploads") -> None:
        self.guild, self.member, self.channel, self.uploads = member.guild, member, channel, uploads
        self.data: dict[str, dict] = {}

    def add(self, value: Option, option_type: discord.AppCommandOptionType) -> str:
        """Record ``value`` and return the id string Discord puts in the option's ``value``."""
        if option_type is discord.AppCommandOptionType.attachment:
            attachment = self.uploads.attachment(value)
            self.data.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        target = self._lookup(value, option_type)
        key = str(target.id)
        if isinstance(target, discord.Role):
            self.data.setdefault("roles", {})[key] = role_payload(target)
        elif isinstance(target, (discord.abc.GuildChannel, discord.Thread)):
            self.data.setdefault("channels", {})[key] = channel_payload(target, self.member)
        else:
            self.data.setdefault("users", {})[key] = user_payload(target)
            if isinstance(target, discord.Member):
                self.data.setdefault("members", {})[key] = member_payload(target, self.channel, with_user=False)
        return key

    def _lookup(self, value, option_type: discord.AppCommandOptionType):
        """A member, role or channel given by id becomes the object."""
        if not isinstance(value, int):
            return value
        Types = discord.AppCommandOptionType
        found = {Types.user: self.guild.get_member(value),
                 Types.role: self.guild.get_role(value),
                 Types.channel: self.guild.get_channel_or_thread(value),
                 Types.mentionable: self.guild.get_member(value) or self.guild.get_role(value),
                 }.get(option_type)
        if found is None:
            raise LookupError(f"no member, role or channel with id {value} in {self.guild.name}")
        return found


class _Uploads:
    """Files members attach to attachment options, written to disk: dpytest's ``get_from_cdn``
    reads ``file://`` URLs, so ``await attachment.read()`` works in the cog."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def attachment(self, value) -> dict:
        if isinstance(value, discord.File):
            value.reset()
            filename, data = value.filename, value.fp.read()
        else:
            filename, data = value
        attachment_id = snowflake()
        path = self.folder / f"{attachment_id}-{filename}"
        self.folder.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return {"id": str(attachment_id), "filename": filename, "size": len(data), "url": path.as_uri(),
                "proxy_url": path.as_uri(), "content_type": mimetypes.guess_type(filename)[0]}


# =================================================================================================
# Waiting for the bot
# =================================================================================================
_PARKING_CALLS = {"Event.wait", "Condition.wait", "Queue.get", "BaseView.wait", "Modal.wait"}


def _await_chain(task: asyncio.Task) -> Iterator[Any]:
    """The coroutines a task is suspended in, outermost first."""
    coro = task.get_coro()
    while coro is not None and hasattr(coro, "cr_code"):
        yield coro
        coro = coro.cr_await


def _parked(task: asyncio.Task, listener_futures: set) -> bool:
    """Whether ``task`` waits on a member or the clock (a view, ``bot.wait_for``, a long sleep)
    rather than on work that finishes by itself (executors, locks, other busy tasks)."""
    waiter = getattr(task, "_fut_waiter", None)  # the future the task is suspended on
    if waiter is None or waiter.done():
        return False  # scheduled to run: what it waited for has happened
    if isinstance(waiter, asyncio.Task):
        return _parked(waiter, listener_futures)
    if children := getattr(waiter, "_children", None):  # asyncio.gather
        return _all_parked(children, listener_futures)
    for coro in _await_chain(task):
        name = coro.cr_code.co_qualname
        local = coro.cr_frame.f_locals if coro.cr_frame is not None else {}
        if name in _PARKING_CALLS:
            return True
        if name == "sleep" and (local.get("delay") or 0) >= PARKED_SLEEP:
            return True
        if name == "wait_for" and id(local.get("fut")) in listener_futures:
            return True
        if name == "_wait":  # asyncio.wait
            return _all_parked(local.get("fs", ()), listener_futures)
    return False


def _all_parked(futures: Iterable[asyncio.Future], listener_futures: set) -> bool:
    pending = [f for f in futures if not f.done()]
    return bool(pending) and all(isinstance(f, asyncio.Task) and _parked(f, listener_futures) for f in pending)


def _describe_task(task: asyncio.Task) -> str:
    return f"{task.get_name()} in " + " > ".join(c.cr_code.co_qualname for c in _await_chain(task))


async def settle_tasks(before: set, bot, *, carried: Iterable[asyncio.Task] = (),
                       timeout: float = SETTLE_TIMEOUT) -> tuple[list[BaseException], set[asyncio.Task]]:
    """Wait until every task created since ``before``, and every ``carried`` task (left parked by
    an earlier interaction: a command waiting on a view resumes when its button is clicked), has
    finished or is parked (see :func:`_parked`).

    Returns the exceptions of the tasks that died and the tasks still parked.  Raises
    TimeoutError, naming the busy tasks, when the bot is still working after ``timeout`` seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    me = asyncio.current_task()
    watched: set[asyncio.Task] = set(carried)
    while True:
        await asyncio.sleep(0)
        watched |= {t for t in asyncio.all_tasks() if t not in before and t is not me}
        listeners = {id(future) for waiters in bot._listeners.values() for future, _ in waiters}
        busy = [t for t in watched if not t.done() and not _parked(t, listeners)]
        if not busy:
            break
        if loop.time() >= deadline:
            raise TimeoutError("the bot is still busy after the interaction: "
                               + "; ".join(map(_describe_task, busy)))
        await asyncio.wait(busy, timeout=POLL_SECONDS, return_when=asyncio.FIRST_COMPLETED)
    died = [t.exception() for t in watched if t.done() and not t.cancelled() and t.exception() is not None]
    return died, {t for t in watched if not t.done()}


# =================================================================================================
# The driver
# =================================================================================================
class InteractionDriver:
    """Sends interactions to a :class:`~harness.redbot_env.SimBot` and records the answers.

    ``sim.interactions`` is one of these; ``sim.slash`` and friends delegate to it.
    """

    def __init__(self, sim: "SimBot") -> None:
        self.sim = sim
        bot = sim.bot
        self.api = FakeInteractionApi(bot.user, bot.application_id or bot.user.id)
        self.uploads = _Uploads(sim.data_dir / "interaction-uploads")
        self._parked: set[asyncio.Task] = set()   # tasks waiting on a member or the clock

    # --- set-up -------------------------------------------------------------------------------
    async def enable_app_commands(self, module: str = "unicornia") -> list[str]:
        """Run ``[p]slash enablecog <module>`` as the owner (no sync needed offline) and return
        the top-level app commands the tree now holds for that module."""
        self._hook_tree()
        await self.sim.command(f"slash enablecog {module}", self.sim.owner())
        said = [m.content for m in self.sim.replies()]
        names = [c.name for c in self.sim.bot.tree.get_commands()
                 if c.module and (c.module == module or c.module.startswith(module + "."))]
        if not names:
            raise RuntimeError(f"no app commands from {module!r} were enabled: {said}")
        return names

    def _hook_tree(self) -> None:
        # dpytest swapped in a connection state that does not know Red's command tree
        self.sim.bot._connection._command_tree = self.sim.bot.tree

    def recording(self):
        """Record interaction webhooks for a ``with`` block outside the driver's own calls
        (e.g. around a view timing out); yields the log of :class:`Sent`."""
        return self.api.recording()

    async def close(self) -> None:
        """End what the interactions left waiting (commands waiting on views, view timeouts), so
        nothing resumes after the test and tries to answer with the recorder gone."""
        parked, self._parked = [t for t in self._parked if not t.done()], set()
        for task in parked:
            task.cancel()
        await asyncio.gather(*parked, return_exceptions=True)
        store = self.sim.bot._connection._view_store
        for view in list(store._synced_message_views.values()):
            view.stop()

    # --- application commands -----------------------------------------------------------------
    async def slash(self, command: str, member: discord.Member, /, *, channel=None, locale: str = DEFAULT_LOCALE,
                    guild_locale: Optional[str] = None, timeout: float = SETTLE_TIMEOUT,
                    options: Optional[Mapping[str, Option]] = None, **more_options: Option) -> InteractionResult:
        """``member`` runs ``/command`` (space-separated path: ``"level check"``) with ``options``
        by parameter name.  Options named ``channel``, ``locale``, ``guild_locale`` or ``timeout``
        go in ``options={...}``; the keywords of the same name set the invocation."""
        channel = channel or self.sim.default_channel(member.guild)
        resolved = self._resolved(member, channel)
        data = self._command_data(command, {**(options or {}), **more_options}, resolved)
        payload = self._payload(APPLICATION_COMMAND, member, channel, data, locale, guild_locale)
        return await self._deliver(payload, timeout=timeout)

    async def autocomplete(self, command: str, member: discord.Member, /, *, option: str, value: str = "",
                           channel=None, locale: str = DEFAULT_LOCALE, guild_locale: Optional[str] = None,
                           options: Optional[Mapping[str, Option]] = None,
                           **more_options: Option) -> list[tuple[str, Any]]:
        """``member`` types ``value`` into ``option`` of ``/command``; returns the ``(name, value)``
        choices the bot offered.  Other options already filled in go in ``more_options``."""
        channel = channel or self.sim.default_channel(member.guild)
        resolved = self._resolved(member, channel)
        data = self._command_data(command, {**(options or {}), **more_options}, resolved, focused=(option, value))
        payload = self._payload(AUTOCOMPLETE, member, channel, data, locale, guild_locale)
        result = await self._deliver(payload, timeout=SETTLE_TIMEOUT)
        return result.raise_errors().choices

    # --- components and modals ----------------------------------------------------------------
    async def click(self, target, custom_id: str, member: discord.Member, /, *, locale: str = DEFAULT_LOCALE,
                    timeout: float = SETTLE_TIMEOUT) -> InteractionResult:
        """``member`` presses a button (by ``custom_id`` or label) on ``target``: an
        :class:`InteractionResult`, a :class:`discord.Message` the bot sent, or a message id."""
        message, component = self._find_component(target, custom_id, member)
        if component["type"] != BUTTON:
            raise ValueError(f"{custom_id!r} is not a button; use select()")
        data = {"custom_id": component["custom_id"], "component_type": BUTTON}
        return await self._deliver_component(message, data, member, locale, timeout)

    async def select(self, target, custom_id: str, values: Sequence[Any], member: discord.Member, /, *,
                     locale: str = DEFAULT_LOCALE, timeout: float = SETTLE_TIMEOUT) -> InteractionResult:
        """``member`` picks ``values`` in a select menu (by ``custom_id`` or placeholder): option
        values for a string select; members, roles or channels (or their ids) for the others."""
        message, component = self._find_component(target, custom_id, member)
        kind = component["type"]
        if kind not in SELECTS:
            raise ValueError(f"{custom_id!r} is not a select menu; use click()")
        if not component.get("min_values", 1) <= len(values) <= component.get("max_values", 1):
            raise ValueError(f"{custom_id!r} takes {component.get('min_values', 1)} to "
                             f"{component.get('max_values', 1)} values, not {len(values)}")
        data: dict[str, Any] = {"custom_id": component["custom_id"], "component_type": kind}
        if kind == STRING_SELECT:
            allowed = [o["value"] for o in component.get("options", [])]
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise ValueError(f"{unknown} are not options of {custom_id!r} (options: {allowed})")
            data["values"] = list(values)
        else:
            channel = self._channel_of(message, member.guild)
            resolved = self._resolved(member, channel)
            data["values"] = [resolved.add(v, _SELECT_OPTION_TYPE[kind]) for v in values]
            data["resolved"] = resolved.data
        return await self._deliver_component(message, data, member, locale, timeout)

    async def submit_modal(self, result: InteractionResult, member: discord.Member, /,
                           values: Mapping[str, str], *, channel=None, locale: str = DEFAULT_LOCALE,
                           timeout: float = SETTLE_TIMEOUT) -> InteractionResult:
        """``member`` fills in the modal ``result`` opened (text inputs by ``custom_id`` or label)
        and submits it."""
        modal = result.modal
        if modal is None:
            raise LookupError("that interaction opened no modal")
        remaining = dict(values)

        def filled(components: list[dict], label: Optional[str] = None) -> list[dict]:
            out = []
            for component in components:
                if component["type"] == ACTION_ROW:
                    out.append({"type": ACTION_ROW, "components": filled(component["components"])})
                elif component["type"] == LABEL:
                    inner = filled([component["component"]], component.get("label"))
                    out.append({"type": LABEL, "component": inner[0]})
                elif component["type"] == TEXT_INPUT:
                    key = next((k for k in (component["custom_id"], component.get("label"), label)
                                if k in remaining), None)
                    value = remaining.pop(key, None) if key else component.get("value") or ""
                    if component.get("required", True) and not value:
                        raise ValueError(f"text input {component['custom_id']!r} is required")
                    out.append({"type": TEXT_INPUT, "custom_id": component["custom_id"], "value": value})
            return out

        data = {"custom_id": modal["custom_id"], "components": filled(modal["components"])}
        if remaining:
            raise LookupError(f"the modal has no text inputs {sorted(remaining)}")
        channel = channel or self.sim.default_channel(member.guild)
        payload = self._payload(MODAL_SUBMIT, member, channel, data, locale, None)
        return await self._deliver(payload, timeout=timeout)

    # --- building -----------------------------------------------------------------------------
    def _resolved(self, member: discord.Member, channel) -> _Resolved:
        return _Resolved(member, channel, self.uploads)

    def _command_data(self, path: str, options: Mapping[str, Option], resolved: _Resolved,
                      focused: Optional[tuple[str, str]] = None) -> dict:
        """``data`` of an application command interaction, option types taken from the tree."""
        names = path.split()
        tree = self.sim.bot.tree
        root = tree.get_command(names[0]) or tree._disabled_global_commands.get(names[0])
        if root is None:
            raise LookupError(f"/{names[0]} is not an app command (is its cog loaded?)")
        chain = [root]
        for name in names[1:]:
            child = chain[-1].get_command(name) if isinstance(chain[-1], app_commands.Group) else None
            if child is None:
                raise LookupError(f"/{' '.join(names)}: no subcommand {name!r}")
            chain.append(child)
        leaf = chain[-1]
        if isinstance(leaf, app_commands.Group):
            raise LookupError(f"/{path} is a group; name one of {[c.name for c in leaf.commands]}")
        inner = _command_options(leaf, options, resolved, focused)
        for command in reversed(chain[1:]):
            kind = SUB_COMMAND_GROUP if isinstance(command, app_commands.Group) else SUB_COMMAND
            inner = [{"name": command.name, "type": kind, "options": inner}]
        data = {"id": str(snowflake()), "name": root.name, "type": 1, "options": inner}
        if resolved.data:
            data["resolved"] = resolved.data
        return data

    def _payload(self, kind: int, member: discord.Member, channel, data: dict, locale: str,
                 guild_locale: Optional[str]) -> dict:
        interaction_id = snowflake()
        guild = member.guild
        return {
            "id": str(interaction_id), "application_id": str(self.api.application_id), "type": kind,
            "token": f"sim-token-{interaction_id}", "version": 1, "data": data,
            "guild_id": str(guild.id), "channel_id": str(channel.id),
            "channel": {"id": str(channel.id), "type": channel.type.value},
            "member": member_payload(member, channel),
            "app_permissions": str(channel.permissions_for(guild.me).value),
            "locale": locale, "guild_locale": guild_locale or locale,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT, "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)}, "context": 0,
        }

    # --- components -----------------------------------------------------------------------------
    def _find_component(self, target, key: str, member: discord.Member) -> tuple[dict, dict]:
        """The message (as a payload) and the component ``key`` names on it."""
        candidates = self._candidate_messages(target)
        for message in candidates:
            component = next((c for c in _walk(message.get("components", [])) if _names(c, key)), None)
            if component is None:
                continue
            viewer = self.api.viewers.get(int(message["id"]))
            if viewer is not None and viewer != member.id:
                raise PermissionError(f"message {message['id']} is ephemeral: only user {viewer} sees it")
            if component.get("disabled"):
                raise ValueError(f"{key!r} is disabled")
            return message, component
        found = sorted({c.get("custom_id") or "" for m in candidates for c in _walk(m.get("components", []))} - {""})
        raise LookupError(f"no component {key!r} on that message (custom ids: {found})")

    def _candidate_messages(self, target) -> list[dict]:
        if isinstance(target, InteractionResult):
            ids = [s.message_id for s in reversed(target.responses) if s.message_id]
            return [self.api.messages[i] for i in dict.fromkeys(ids) if i in self.api.messages]
        if isinstance(target, discord.Message):
            if target.id not in self.api.messages:
                self.api.messages[target.id] = self._payload_of(target)
            return [self.api.messages[target.id]]
        if isinstance(target, int) and target in self.api.messages:
            return [self.api.messages[target]]
        raise LookupError(f"the harness has not seen message {target!r}")

    def _payload_of(self, message: discord.Message) -> dict:
        """A channel message (sent through dpytest) as Discord would include it in an interaction;
        its components come from the view discord.py registered for it."""
        view = self.sim.bot._connection._view_store._synced_message_views.get(message.id)
        components = view.to_components() if view is not None else [c.to_dict() for c in message.components]
        payload = {
            "id": str(message.id), "type": 0, "channel_id": str(message.channel.id),
            "author": user_payload(message.author), "content": message.content or "",
            "embeds": [e.to_dict() for e in message.embeds],
            "attachments": [a.to_dict() for a in message.attachments], "components": components,
            "flags": message.flags.value, "timestamp": message.created_at.isoformat(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
        }
        if message.guild is not None:
            payload["guild_id"] = str(message.guild.id)
        return payload

    def _channel_of(self, message: dict, guild: discord.Guild):
        return guild.get_channel_or_thread(int(message["channel_id"]))

    async def _deliver_component(self, message: dict, data: dict, member: discord.Member, locale: str,
                                 timeout: float) -> InteractionResult:
        channel = self._channel_of(message, member.guild)
        payload = self._payload(COMPONENT, member, channel, data, locale, None)
        payload["message"] = message
        return await self._deliver(payload, timeout=timeout, component_message_id=int(message["id"]))

    # --- delivery -------------------------------------------------------------------------------
    async def _deliver(self, payload: dict, *, timeout: float,
                       component_message_id: Optional[int] = None) -> InteractionResult:
        """Feed ``payload`` to discord.py's parser and wait until the bot is done with it."""
        self._hook_tree()
        self.api.open(payload, component_message_id=component_message_id)
        start = len(self.api.log)
        with self.api.recording():
            before = asyncio.all_tasks()
            self.sim.bot._connection.parse_interaction_create(payload)
            died, self._parked = await settle_tasks(before, self.sim.bot, carried=self._parked, timeout=timeout)
            await self.sim.settle()
        reported = []
        while not dpytest.error_queue.empty():
            reported.append(dpytest.error_queue.get_nowait()[1])
        return InteractionResult(interaction_id=int(payload["id"]), token=payload["token"],
                                 responses=self.api.log[start:], errors=reported + died, _api=self.api)


def _command_options(command: app_commands.Command, given: Mapping[str, Option], resolved: _Resolved,
                     focused: Optional[tuple[str, str]]) -> list[dict]:
    """The leaf command's options, typed and checked as Discord's client would before sending."""
    by_name = {}
    for param in command.parameters:
        by_name[param.name] = by_name[param.display_name] = param
    unknown = set(given) - set(by_name)
    if unknown:
        raise TypeError(f"/{command.qualified_name} has no options {sorted(unknown)} "
                        f"(it has {[p.display_name for p in command.parameters]})")
    out = []
    for param in command.parameters:
        is_focused = focused is not None and focused[0] in (param.name, param.display_name)
        value = next((given[k] for k in (param.name, param.display_name) if k in given), None)
        if is_focused:
            out.append({"name": param.display_name, "type": param.type.value, "value": focused[1], "focused": True})
            continue
        if value is None:
            if param.required and focused is None:
                raise TypeError(f"/{command.qualified_name} needs option {param.display_name!r} (options "
                                "named channel, locale, guild_locale or timeout go in options={...})")
            continue
        out.append({"name": param.display_name, "type": param.type.value,
                    "value": _option_value(param, value, resolved)})
    if focused is not None and not any(o.get("focused") for o in out):
        raise TypeError(f"/{command.qualified_name} has no option {focused[0]!r}")
    return out


def _option_value(param: app_commands.Parameter, value: Option, resolved: _Resolved):
    """An option's ``value`` as Discord sends it, refusing what the client would not let through."""
    Types = discord.AppCommandOptionType
    kind = param.type
    if kind in (Types.user, Types.role, Types.channel, Types.mentionable, Types.attachment):
        if kind is Types.channel and param.channel_types and isinstance(value, discord.abc.GuildChannel):
            if value.type not in param.channel_types:
                raise ValueError(f"{param.display_name!r} takes {param.channel_types}, not a {value.type}")
        return resolved.add(value, kind)
    if kind is Types.integer:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{param.display_name!r} is an integer option, not {value!r}")
    elif kind is Types.number:
        value = float(value)
    elif kind is Types.boolean:
        if not isinstance(value, bool):
            raise TypeError(f"{param.display_name!r} is a boolean option, not {value!r}")
    else:
        value = str(value)
    if param.choices and value not in [c.value for c in param.choices]:
        raise ValueError(f"{value!r} is not a choice of {param.display_name!r}: {[c.value for c in param.choices]}")
    # discord.py keeps a string's length limits in min_value / max_value too
    low, high = param.min_value, param.max_value
    measure = len(value) if kind is Types.string else value
    if (low is not None and measure < low) or (high is not None and measure > high):
        raise ValueError(f"{value!r} is out of range for {param.display_name!r} ({low}..{high})")
    return value


def _walk(components: Iterable[dict]) -> Iterator[dict]:
    """Every component, rows and containers included, depth first."""
    for component in components:
        yield component
        yield from _walk(component.get("components", []))
        for key in ("accessory", "component"):
            if key in component:
                yield from _walk([component[key]])


def _names(component: dict, key: str) -> bool:
    if component.get("custom_id") == key:
        return True
    if component["type"] == BUTTON:
        return component.get("label") == key
    return component["type"] in SELECTS and component.get("placeholder") == key


async def enable_app_commands(sim: "SimBot", module: str = "unicornia") -> list[str]:
    """What ``[p]slash enablecog <module>`` does, run for real as the bot owner."""
    return await sim.interactions.enable_app_commands(module)
