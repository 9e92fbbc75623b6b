"""Discord's side of an interaction's HTTP conversation, recorded.

Everything a bot sends in answer to an interaction goes through one method,
``discord.webhook.async_.AsyncWebhookAdapter.request``: the interaction callback
(``POST /interactions/{id}/{token}/callback``), follow-ups (``POST /webhooks/{app}/{token}``) and
``@original`` or follow-up messages by id (GET/PATCH/DELETE ``.../messages/...``).
:meth:`FakeInteractionApi.recording` swaps that method for :meth:`FakeInteractionApi.request`,
which answers as Discord does (full message dicts with ids) and records each request as a
:class:`Sent`.  :mod:`harness.interactions` drives the gateway side.
"""
from __future__ import annotations

import contextlib
import json
import mimetypes
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, Sequence, Union

import discord
from discord.webhook.async_ import AsyncWebhookAdapter

# message flags
EPHEMERAL = 1 << 6          # only the invoker sees the message
LOADING = 1 << 7            # "Bot is thinking...": a deferred reply not filled in yet

# interaction callback (response) types
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9

# Discord's JSON error codes
UNKNOWN_MESSAGE, UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED = 10008, 10015, 10062, 40060


_last_snowflake = 0


def snowflake() -> int:
    """A fresh id stamped now (an old timestamp makes discord.py treat an interaction as expired)."""
    global _last_snowflake
    _last_snowflake = max(_last_snowflake + 1, discord.utils.time_snowflake(discord.utils.utcnow()))
    return _last_snowflake


def user_payload(user: Union[discord.abc.User, discord.ClientUser]) -> dict:
    """A user object as the API sends it."""
    avatar = user.avatar.key if user.avatar else None
    return {"id": str(user.id), "username": user.name, "discriminator": user.discriminator,
            "global_name": user.global_name, "avatar": avatar, "bot": user.bot, "public_flags": 0}


# =================================================================================================
# Records
# =================================================================================================
@dataclass
class Sent:
    """One request the bot made on an interaction's webhook.

    ``kind`` is ``"callback"`` (the interaction response, with its ``response_type``),
    ``"followup"``, ``"edit_original"``, ``"delete_original"``, ``"edit_message"`` or
    ``"delete_message"`` (a follow-up by id).  ``content``, ``embeds``, ``components`` and
    ``ephemeral`` describe the message as the member sees it after the request (after a
    deferral the first follow-up fills the "thinking" message and keeps the deferral's
    visibility, whatever ``flags`` it asked for); ``files`` are the files this request uploaded.
    """

    kind: str
    response_type: Optional[int] = None
    content: Optional[str] = None
    embeds: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    ephemeral: bool = False
    flags: int = 0
    message_id: Optional[int] = None
    choices: list[tuple[str, Any]] = field(default_factory=list)
    modal: Optional[dict] = None
    body: dict = field(default_factory=dict, repr=False)

    @property
    def shows_message(self) -> bool:
        """Whether this request put a message (or new message content) in front of the member."""
        if self.kind == "callback":
            return self.response_type in (MESSAGE, UPDATE)
        return self.kind in ("followup", "edit_original", "edit_message")

    @property
    def text(self) -> str:
        """Content, then each embed's title, description, fields and footer, one per line."""
        return "\n".join(part for part in [self.content or "", *map(_embed_text, self.embeds)] if part)


@dataclass
class InteractionResult:
    """Everything one driven interaction caused, in order.

    ``responses`` holds the requests made while the harness waited for the bot, whichever
    interaction token they used (a command waiting on a view answers during the click).
    ``errors`` holds the command errors Red's ``on_command_error`` received and the exceptions
    of tasks that died.
    """

    interaction_id: int
    token: str
    responses: list[Sent]
    errors: list[BaseException]
    _api: "FakeInteractionApi" = field(repr=False)

    @property
    def text(self) -> str:
        """The text of every message shown, joined by newlines."""
        return "\n".join(sent.text for sent in self.responses if sent.shows_message and sent.text)

    @property
    def answer(self) -> Optional[Sent]:
        """The first request that showed the member a message, or None."""
        return next((sent for sent in self.responses if sent.shows_message), None)

    @property
    def ephemeral(self) -> Optional[bool]:
        """Whether the answer is visible to the invoker only (None when nothing was shown)."""
        answer = self.answer
        return None if answer is None else answer.ephemeral

    @property
    def acknowledged(self) -> bool:
        """Whether the bot answered this interaction at all; if not, Discord shows the member
        "The application did not respond" (or "This interaction failed" under a component)."""
        return self._api.acknowledged(self.token)

    @property
    def deferred(self) -> bool:
        return any(s.kind == "callback" and s.response_type in (DEFERRED_MESSAGE, DEFERRED_UPDATE)
                   for s in self.responses)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [blob for sent in self.responses for blob in sent.files]

    @property
    def choices(self) -> list[tuple[str, Any]]:
        """The autocomplete choices offered, as ``(name, value)``."""
        return [choice for sent in self.responses for choice in sent.choices]

    @property
    def modal(self) -> Optional[dict]:
        """The modal the bot opened (``custom_id``, ``title``, ``components``), if any."""
        return next((sent.modal for sent in reversed(self.responses) if sent.modal), None)

    def messages(self) -> list[dict]:
        """The current state of every message this interaction created or edited, oldest first."""
        ids = dict.fromkeys(sent.message_id for sent in self.responses if sent.message_id)
        return [self._api.messages[mid] for mid in ids if mid in self._api.messages]

    def raise_errors(self) -> "InteractionResult":
        """Re-raise the first error, for callers that expect none; returns self otherwise."""
        if self.errors:
            raise self.errors[0]
        return self


SlashResult = InteractionResult


# =================================================================================================
# The fake API
# =================================================================================================
class _Response:
    """Just enough of an aiohttp response for :class:`discord.HTTPException`."""

    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason


def _http_error(status: int, code: int, message: str) -> discord.HTTPException:
    kind = {404: discord.NotFound, 403: discord.Forbidden}.get(status, discord.HTTPException)
    return kind(_Response(status, message), {"code": code, "message": message})


@dataclass
class _Open:
    """An interaction the harness sent, as Discord remembers it for its token's lifetime."""

    id: int
    type: int
    channel_id: int
    guild_id: Optional[int]
    user_id: int
    component_message_id: Optional[int] = None
    response_type: Optional[int] = None
    original_id: Optional[int] = None
    loading: bool = False           # deferred with "thinking": the first follow-up fills it in


class FakeInteractionApi:
    """Answers the interaction webhook routes like Discord and records what the bot sent.

    Messages it created (and copies of channel messages whose components were used) live in
    ``messages`` by id, so later edits and clicks see their current content and components;
    ``viewers`` maps each ephemeral message to the one user who sees it.
    """

    def __init__(self, bot_user: discord.ClientUser, application_id: int) -> None:
        self.bot_user = bot_user
        self.application_id = application_id
        self.messages: dict[int, dict] = {}
        self.viewers: dict[int, int] = {}
        self.log: list[Sent] = []
        self._open: dict[str, _Open] = {}
        self._depth = 0
        self._real_request = None

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Sent]]:
        """Route interaction webhooks here for the ``with`` block (re-entrant); yields the log.
        Outside it the real adapter is back, so the patch never outlives a harness call."""
        if self._depth == 0:
            self._real_request = AsyncWebhookAdapter.request
            api = self

            async def request(_adapter, route, *_args, payload=None, multipart=None, files=None, **_kwargs):
                return api.request(route, payload=payload, multipart=multipart, files=files)

            AsyncWebhookAdapter.request = request
        self._depth += 1
        try:
            yield self.log
        finally:
            self._depth -= 1
            if self._depth == 0:
                AsyncWebhookAdapter.request = self._real_request
                self._real_request = None

    def open(self, payload: dict, *, component_message_id: Optional[int] = None) -> None:
        """Remember an interaction about to be delivered, so its token can answer."""
        self._open[payload["token"]] = _Open(
            id=int(payload["id"]), type=payload["type"], channel_id=int(payload["channel"]["id"]),
            guild_id=int(payload["guild_id"]) if payload.get("guild_id") else None,
            user_id=int(payload["member"]["user"]["id"]), component_message_id=component_message_id)

    def acknowledged(self, token: str) -> bool:
        opened = self._open.get(token)
        return opened is not None and opened.response_type is not None

    def request(self, route, *, payload: Optional[dict] = None, multipart: Optional[list] = None,
                files: Optional[Sequence[discord.File]] = None) -> Any:
        """Answer one ``AsyncWebhookAdapter.request`` call."""
        body, blobs = _decode_body(payload, multipart, files)
        if route.path.endswith("/callback"):
            return self._callback(self._interaction(route.webhook_token, UNKNOWN_INTERACTION), body, blobs)
        opened = self._interaction(route.webhook_token, UNKNOWN_WEBHOOK)
        if route.path == "/webhooks/{webhook_id}/{webhook_token}" and route.method == "POST":
            return self._followup(opened, body, blobs)
        if "/messages/" in route.path:
            original = route.path.endswith("/@original")
            message_id = opened.original_id if original else int(route.url.rsplit("/", 1)[1])
            return self._message_route(opened, route.method, message_id, body, blobs, original=original)
        raise NotImplementedError(f"the interaction harness does not model {route.method} {route.url}")

    # --- routes ---------------------------------------------------------------------------------
    def _interaction(self, token: Optional[str], unknown_code: int) -> _Open:
        opened = self._open.get(token or "")
        if opened is None:
            raise _http_error(404, unknown_code, "Unknown interaction")
        return opened

    def _callback(self, opened: _Open, body: dict, blobs: list) -> dict:
        if opened.response_type is not None:
            raise _http_error(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        rtype, data = body["type"], body.get("data") or {}
        opened.response_type = rtype
        sent = Sent(kind="callback", response_type=rtype, body=body, flags=data.get("flags", 0))
        message = None
        if rtype == MESSAGE:
            message = self._create(opened, data, blobs, flags=data.get("flags", 0))
            opened.original_id = int(message["id"])
        elif rtype == DEFERRED_MESSAGE:
            message = self._create(opened, {}, [], flags=(data.get("flags", 0) & EPHEMERAL) | LOADING)
            opened.original_id, opened.loading = int(message["id"]), True
        elif rtype in (DEFERRED_UPDATE, UPDATE):
            # for a component, "@original" is the message the component is on
            opened.original_id = opened.component_message_id
            message = self.messages.get(opened.component_message_id)
            if rtype == UPDATE and message is not None:
                self._apply(message, data, blobs)
        elif rtype == AUTOCOMPLETE_RESULT:
            sent.choices = [(c["name"], c["value"]) for c in data.get("choices", [])]
        elif rtype == MODAL:
            sent.modal = data
        if message is not None:
            _describe(sent, message, blobs)
        self.log.append(sent)
        interaction = {
            "id": str(opened.id), "type": opened.type, "activity_instance_id": None,
            "response_message_id": message["id"] if message else None,
            "response_message_loading": rtype == DEFERRED_MESSAGE,
            "response_message_ephemeral": sent.ephemeral,
        }
        resource = {"type": rtype, **({"message": message} if message else {})}
        return {"interaction": interaction, "resource": resource}

    def _followup(self, opened: _Open, body: dict, blobs: list) -> dict:
        if opened.response_type is None:
            raise _http_error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        if opened.loading and opened.original_id in self.messages:
            message = self.messages[opened.original_id]   # fills in the "thinking" message
            self._apply(message, body, blobs, edited=False)
            opened.loading = False
        else:
            message = self._create(opened, body, blobs, flags=body.get("flags", 0))
        sent = Sent(kind="followup", body=body, flags=body.get("flags", 0))
        _describe(sent, message, blobs)
        self.log.append(sent)
        return message

    def _message_route(self, opened: _Open, method: str, message_id: Optional[int], body: dict,
                       blobs: list, *, original: bool) -> Optional[dict]:
        message = self.messages.get(message_id) if message_id is not None else None
        if message is None:
            raise _http_error(404, UNKNOWN_MESSAGE, "Unknown Message")
        if method == "GET":
            return message
        which = "original" if original else "message"
        if method == "DELETE":
            del self.messages[message_id]
            self.log.append(Sent(kind=f"delete_{which}", message_id=message_id,
                                 ephemeral=bool(message["flags"] & EPHEMERAL)))
            return None
        if original:
            opened.loading = False
        self._apply(message, body, blobs)
        sent = Sent(kind=f"edit_{which}", body=body, flags=body.get("flags", 0))
        _describe(sent, message, blobs)
        self.log.append(sent)
        return message

    # --- messages -------------------------------------------------------------------------------
    def _create(self, opened: _Open, data: dict, blobs: list, *, flags: int) -> dict:
        message_id = snowflake()
        message = {
            "id": str(message_id), "type": 0, "channel_id": str(opened.channel_id),
            "author": user_payload(self.bot_user), "content": "", "embeds": [], "components": [],
            "attachments": [], "flags": flags, "timestamp": discord.utils.utcnow().isoformat(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "pinned": False, "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
        }
        if opened.guild_id:
            message["guild_id"] = str(opened.guild_id)
        self._apply(message, data, blobs, edited=False)
        self.messages[message_id] = message
        if flags & EPHEMERAL:
            self.viewers[message_id] = opened.user_id
        return message

    def _apply(self, message: dict, data: dict, blobs: list, *, edited: bool = True) -> None:
        """Apply a create or edit body to a stored message: only the keys it carries change."""
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in data:
                message[key] = data[key] if data[key] is not None else empty
        if "attachments" in data or blobs:
            message["attachments"] = self._attachments(message, data.get("attachments"), blobs)
        message["flags"] = message.get("flags", 0) & ~LOADING
        if edited:
            message["edited_timestamp"] = discord.utils.utcnow().isoformat()

    def _attachments(self, message: dict, wanted: Optional[list], blobs: list) -> list[dict]:
        """The attachment list after a request: kept ones by id, new files by upload index."""
        current = {str(a["id"]): a for a in message.get("attachments", [])}
        if wanted is None:
            return [*current.values(), *(_attachment(message, *blob) for blob in blobs)]
        out = []
        for entry in wanted:
            if str(entry["id"]) in current:
                out.append(current[str(entry["id"])])
            elif isinstance(entry["id"], int) and entry["id"] < len(blobs):
                out.append(_attachment(message, *blobs[entry["id"]]))
        return out


def _attachment(message: dict, filename: str, data: bytes) -> dict:
    attachment_id = snowflake()
    url = f"https://cdn.discordapp.com/attachments/{message['channel_id']}/{attachment_id}/{filename}"
    return {"id": str(attachment_id), "filename": filename, "size": len(data), "url": url,
            "proxy_url": url, "content_type": mimetypes.guess_type(filename)[0]}


def _describe(sent: Sent, message: dict, blobs: list) -> None:
    """Fill a record from the message as it now stands and the files of this request."""
    sent.message_id = int(message["id"])
    sent.content = message.get("content")
    sent.embeds = list(message.get("embeds", []))
    sent.components = list(message.get("components", []))
    sent.ephemeral = bool(message.get("flags", 0) & EPHEMERAL)
    sent.files = list(blobs)


def _decode_body(payload: Optional[dict], multipart: Optional[list], files: Optional[Sequence[discord.File]]):
    """The JSON body of a request (the ``payload_json`` part when it carries files) and its files."""
    body = payload or {}
    if multipart:
        body = json.loads(next(part["value"] for part in multipart if part["name"] == "payload_json"))
    blobs = []
    for file in files or []:
        file.reset()
        blobs.append((file.filename, file.fp.read()))
        file.reset()
    return body, blobs


def _embed_text(embed: dict) -> str:
    parts = [embed.get("title"), embed.get("description")]
    parts += [f"{f.get('name', '')} {f.get('value', '')}" for f in embed.get("fields", [])]
    parts.append((embed.get("footer") or {}).get("text"))
    return "\n".join(p for p in parts if p)
