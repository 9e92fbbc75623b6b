"""The XP shop's configuration file: parsing and validation, with line numbers in every error.

Pure: it reads text and, for bundled files, checks paths under a given folder.

The file is the bot owner's, but it is read as untrusted input: whatever it holds, parsing ends
in a :class:`ShopConfig` or a :class:`ShopConfigError`, in time linear in the file's size.  Before
anything is built from it, one pass over YAML's event stream (which needs no recursion) enforces
the limits below and records the line of every key for the error messages.

The error messages are for the bot owner and go through the translator: parsing runs in a worker
thread started by ``asyncio.to_thread``, which copies the caller's context, so ``_()`` there uses
the language of the command that asked for the reload.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Optional
from urllib.parse import urlsplit

import yaml
from redbot.core.utils.chat_formatting import humanize_number

from ..i18n import _

ITEM_TYPE_BACKGROUND = 1
DEFAULT_KEY = "default"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ITEM_FIELDS = {"name", "price", "url", "file", "hidden", "desc"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
MAX_NAME = 64
MAX_DESC = 200
MAX_PRICE = 10**12

KIB = 1024
#: The largest file read; a shop of :data:`MAX_ITEMS` items with long descriptions fits with room to spare.
MAX_CONFIG_BYTES = 1024 * KIB
#: Backgrounds in ``shop.bgs``, the default included.
MAX_ITEMS = 2000
#: Aliases (``*name``) in the file: enough to share a value, too few for an "alias bomb".
MAX_ALIASES = 100
#: Lists and mappings inside one another; the shop itself needs 4 (file, shop, bgs, item).
MAX_DEPTH = 20
#: Keys whose line is recorded for error messages: file, shop, bgs, item, field.
KEY_LINE_DEPTH = 4
MERGE_TAG = "tag:yaml.org,2002:merge"
#: Error messages quote at most this much of a value, and are cut at :data:`MAX_REASON` characters.
MAX_SHOWN = 40
MAX_REASON = 300


class ShopConfigError(ValueError):
    """A config the shop refuses; ``str()`` names the line and the reason."""

    def __init__(self, reason: str, line: Optional[int] = None) -> None:
        reason = reason if len(reason) <= MAX_REASON else reason[:MAX_REASON - 1] + "\N{HORIZONTAL ELLIPSIS}"
        self.reason = reason
        self.line = line
        super().__init__(_("line {line}: {reason}").format(line=line, reason=reason) if line else reason)


@dataclass(frozen=True, slots=True)
class ShopItem:
    key: str
    name: str
    price: int
    url: Optional[str] = None
    file: Optional[str] = None
    hidden: bool = False
    desc: str = ""
    item_type: int = ITEM_TYPE_BACKGROUND

    @property
    def source(self) -> str:
        return self.url or f"bundled:{self.file}"


@dataclass(frozen=True)
class ShopConfig:
    backgrounds: dict[str, ShopItem]

    @property
    def default(self) -> ShopItem:
        return self.backgrounds[DEFAULT_KEY]

    def for_sale(self) -> list[ShopItem]:
        """What the listing shows: not hidden, cheapest first."""
        return sorted((i for i in self.backgrounds.values() if not i.hidden), key=lambda i: (i.price, i.name.lower()))

    def get(self, key: str) -> Optional[ShopItem]:
        return self.backgrounds.get(key.lower())


class _DuplicateChecking:
    """Mixin for a SafeConstructor: a key twice in one mapping is an error, with both lines."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ShopConfigError(_("duplicate key {key} (first on line {first})").format(
                    key=_show(key), first=seen[key]), line)
            seen[key] = line
        return super().construct_mapping(node, deep)


def _loader_class(base: type) -> type:
    """``base`` (a safe PyYAML loader) refusing a mapping with the same key twice (PyYAML keeps the last silently)."""

    class _DuplicateCheckingLoader(_DuplicateChecking, base):
        pass

    return _DuplicateCheckingLoader


#: libyaml's parser when PyYAML has it (about 20 times faster), otherwise the pure-Python one.
_LOADER = _loader_class(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def parse_shop_config(source: str | bytes, *, bundled_root: Optional[Path] = None) -> ShopConfig:
    """Parse and validate the whole file (its bytes, or its text); raise :class:`ShopConfigError`
    at the first problem, whatever the file holds."""
    data, lines = _read_yaml(_decode(source))
    if not isinstance(data, dict):
        raise ShopConfigError(_("the file must be a mapping with a 'shop' section"), 1)
    _only(data, {"shop"}, _("unknown key {key} in top level (allowed: {allowed})"), lines, ())
    shop = data.get("shop")
    if not isinstance(shop, dict):
        raise ShopConfigError(_("'shop' must be a mapping with a 'bgs' section"), lines.get(("shop",)))
    _only(shop, {"bgs"}, _("unknown key {key} in 'shop' (allowed: {allowed})"), lines, ("shop",))
    bgs = shop.get("bgs")
    if not isinstance(bgs, dict) or not bgs:
        raise ShopConfigError(_("'shop.bgs' must list at least the 'default' background"), lines.get(("shop", "bgs")))
    if len(bgs) > MAX_ITEMS:
        raise ShopConfigError(_("'shop.bgs' lists {count} backgrounds; the shop takes at most {most}").format(
            count=humanize_number(len(bgs)), most=humanize_number(MAX_ITEMS)), lines.get(("shop", "bgs")))
    items = {}
    for key, raw in bgs.items():
        path = ("shop", "bgs", key)
        items[str(key)] = _item(key, raw, lines, path, bundled_root)
    if DEFAULT_KEY not in items:
        raise ShopConfigError(_("there must be a background keyed 'default'"), lines.get(("shop", "bgs")))
    if items[DEFAULT_KEY].price != 0 or items[DEFAULT_KEY].hidden:
        raise ShopConfigError(_("the 'default' background must be free and not hidden"),
                              lines.get(("shop", "bgs", DEFAULT_KEY)))
    return ShopConfig(backgrounds=items)


def _decode(source: str | bytes) -> str:
    """The file's text, refusing a file over :data:`MAX_CONFIG_BYTES` or one that isn't UTF-8."""
    size = len(source.encode("utf-8", "surrogatepass")) if isinstance(source, str) else len(source)
    if size > MAX_CONFIG_BYTES:
        raise ShopConfigError(_("the file is larger than the {limit} KiB limit").format(
            limit=humanize_number(MAX_CONFIG_BYTES // KIB)))
    if isinstance(source, str):
        return source
    try:
        return source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = source.count(b"\n", 0, exc.start) + 1
        raise ShopConfigError(_("the file is not UTF-8 text (byte {byte} is not valid there)").format(
            byte=f"{source[exc.start]:#04x}"), line)


def _read_yaml(text: str) -> tuple[Any, dict[tuple, int]]:
    """The file's data and the line of each key (see :func:`_scan`).

    Whatever PyYAML raises on the text is the text's fault and becomes a :class:`ShopConfigError`;
    the scan first makes sure nothing can recurse deeply or expand."""
    try:
        lines = _scan(text)
        return yaml.load(text, Loader=_LOADER), lines
    except ShopConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ShopConfigError(_not_yaml(exc.problem or exc.context), mark.line + 1 if mark else None) from exc
    except yaml.reader.ReaderError as exc:
        raise ShopConfigError(_not_yaml(exc.reason), _line_of_character(text, exc.character)) from exc
    except yaml.YAMLError as exc:
        raise ShopConfigError(_not_yaml(exc)) from exc
    except RecursionError as exc:
        raise ShopConfigError(_too_deep()) from exc
    except Exception as exc:  # a value PyYAML can't build (a date like 2024-02-30, ...)
        raise ShopConfigError(_not_yaml(exc)) from exc


def _not_yaml(problem: Any) -> str:
    """PyYAML's own description of the problem (in English: it comes from the library)."""
    return _("not valid YAML: {problem}").format(problem=problem)


def _too_deep() -> str:
    return _("nested more than {depth} levels deep").format(depth=MAX_DEPTH)


def _line_of_character(text: str, character: Any) -> Optional[int]:
    """The line of the first ``character`` (PyYAML gives it as text, libyaml as a code point)."""
    if isinstance(character, int):
        character = chr(character)
    index = text.find(character) if isinstance(character, str) and character else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else None


class _Level:
    """One open list or mapping during :func:`_scan`."""

    __slots__ = ("is_mapping", "path", "awaiting_key", "key_path")

    def __init__(self, is_mapping: bool, path: Optional[tuple]) -> None:
        self.is_mapping = is_mapping
        self.path = path  # keys from the root; None under a list or below KEY_LINE_DEPTH
        self.awaiting_key = True
        self.key_path: Optional[tuple] = None  # path of the value being read


def _scan(text: str) -> dict[tuple, int]:
    """One pass over the event stream, before anything is composed: refuse nesting deeper than
    :data:`MAX_DEPTH`, more than :data:`MAX_ALIASES` aliases, merge keys (``<<``, which copy whole
    mappings) and keys that aren't plain values; return the 1-based line of every key up to
    :data:`KEY_LINE_DEPTH` levels, by its path from the root (an alias is never followed, so this
    is linear in the file)."""
    lines: dict[tuple, int] = {}
    stack: list[_Level] = []
    aliases = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.CollectionEndEvent):
            stack.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue  # stream and document boundaries
        line = event.start_mark.line + 1
        parent = stack[-1] if stack else None
        path: Optional[tuple] = () if parent is None else None
        if parent is not None and parent.is_mapping:
            if parent.awaiting_key:
                _check_key(event, line)
                parent.key_path = None
                if parent.path is not None and len(parent.path) < KEY_LINE_DEPTH:
                    parent.key_path = parent.path + (event.value,)
                    lines[parent.key_path] = line
            path = parent.key_path
            parent.awaiting_key = not parent.awaiting_key
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise ShopConfigError(_("more than {most} aliases (*name); the shop refuses files that repeat so "
                                        "much").format(most=MAX_ALIASES), line)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise ShopConfigError(_too_deep(), line)
            stack.append(_Level(isinstance(event, yaml.MappingStartEvent), path))
    return lines


def _check_key(event: yaml.Event, line: int) -> None:
    """A mapping key must be a plain value (text, a number...), and not YAML's merge key."""
    if not isinstance(event, yaml.ScalarEvent):
        raise ShopConfigError(_("a key must be a plain name, not a list, a mapping or an alias"), line)
    if event.tag == MERGE_TAG or (event.tag is None and event.implicit[0] and event.value == "<<"):
        raise ShopConfigError(_("merge keys (<<) are not supported; write each item's fields out"), line)


def _item(key: Any, raw: Any, lines, path, bundled_root: Optional[Path]) -> ShopItem:
    line = lines.get(path)
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ShopConfigError(_("item key {key} must be 1-32 lowercase letters, digits, '-' or '_', starting with a "
                                "letter or digit").format(key=_show(key)), line)
    if not isinstance(raw, dict):
        raise ShopConfigError(_("item '{item}' must be a mapping of name, price, url or file").format(item=key), line)
    _only(raw, ITEM_FIELDS, _("unknown key {key} in item '{item}' (allowed: {allowed})"), lines, path, item=key)

    def at(field: str) -> Optional[int]:
        return lines.get(path + (field,), line)

    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ShopConfigError(_("item '{item}' needs a name").format(item=key), at("name"))
    if len(name) > MAX_NAME:
        raise ShopConfigError(_("item '{item}': the name is longer than {most} characters").format(
            item=key, most=MAX_NAME), at("name"))
    price = raw.get("price")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= MAX_PRICE:
        if isinstance(price, int) and price < 0:
            reason = _("item '{item}': price must be a whole number from 0 to {most}, not {price} (to take an item "
                       "off sale, use hidden: true)")
        else:
            reason = _("item '{item}': price must be a whole number from 0 to {most}, not {price}")
        raise ShopConfigError(reason.format(item=key, most=MAX_PRICE, price=_show(price)), at("price"))
    url, file = raw.get("url"), raw.get("file")
    if (url is None) == (file is None):
        raise ShopConfigError(_("item '{item}' needs exactly one of url or file").format(item=key), line)
    if url is not None:
        _check_url(key, url, at("url"))
    if file is not None:
        _check_file(key, file, at("file"), bundled_root)
    hidden = raw.get("hidden", False)
    if not isinstance(hidden, bool):
        raise ShopConfigError(_("item '{item}': hidden must be true or false").format(item=key), at("hidden"))
    desc = raw.get("desc", "") or ""
    if not isinstance(desc, str) or len(desc) > MAX_DESC:
        raise ShopConfigError(_("item '{item}': desc must be text of at most {most} characters").format(
            item=key, most=MAX_DESC), at("desc"))
    return ShopItem(key=key, name=name.strip(), price=price, url=url, file=file, hidden=hidden, desc=desc.strip())


def _check_url(key: str, url: Any, line: Optional[int]) -> None:
    if not isinstance(url, str):
        raise ShopConfigError(_("item '{item}': url must be text").format(item=key), line)
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # "http://[oops": urlsplit refuses a malformed address
        usable = False
    if not usable:
        raise ShopConfigError(_("item '{item}': url must be an http:// or https:// address, not {url}").format(
            item=key, url=_show(url)), line)


def _check_file(key: str, file: Any, line: Optional[int], bundled_root: Optional[Path]) -> None:
    if not isinstance(file, str) or not file:
        raise ShopConfigError(_("item '{item}': file must be a path under the cog's data folder").format(item=key),
                              line)
    relative = PurePosixPath(file)
    if relative.is_absolute() or ".." in relative.parts:
        raise ShopConfigError(_("item '{item}': file must stay inside the cog's data folder, not {file}").format(
            item=key, file=_show(file)), line)
    if relative.suffix.lower() not in IMAGE_SUFFIXES:
        raise ShopConfigError(_("item '{item}': file must be a .png, .jpg, .gif or .webp image").format(item=key),
                              line)
    if bundled_root is not None and not _is_file(bundled_root / relative):
        raise ShopConfigError(_("item '{item}': no bundled file {file}").format(item=key, file=_show(file)), line)


def _is_file(path: Path) -> bool:
    """``Path.is_file``, also False for a name the system refuses (too long, say)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _only(mapping: dict, allowed: set[str], refusal: str, lines, path, **where: Any) -> None:
    """Refuse a key not in ``allowed``; ``refusal`` is the translated sentence, with ``{key}``,
    ``{allowed}`` and the fields in ``where``."""
    for key in mapping:
        if key not in allowed:
            raise ShopConfigError(refusal.format(key=_show(key), allowed=", ".join(sorted(allowed)), **where),
                                  lines.get(path + (key,)))


def _show(value: Any) -> str:
    """A value for an error message: short, and never the contents of a list or mapping (aliases
    can make one enormous while the file stays small)."""
    if isinstance(value, (dict, list, tuple, set)):
        return _("a mapping") if isinstance(value, dict) else _("a list")
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "\N{HORIZONTAL ELLIPSIS}"
