"""The XP shop's configuration file: parsing and validation, with line numbers in every error.

Pure: it reads text and, for bundled files, checks paths under a given folder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Optional
from urllib.parse import urlsplit

import yaml

ITEM_TYPE_BACKGROUND = 1
DEFAULT_KEY = "default"
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ITEM_FIELDS = {"name", "price", "url", "file", "hidden", "desc"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
MAX_NAME = 64
MAX_DESC = 200
MAX_PRICE = 10**12


class ShopConfigError(ValueError):
    """A config the shop refuses; ``str()`` names the line and the reason."""

    def __init__(self, reason: str, line: Optional[int] = None) -> None:
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


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


class _DuplicateCheckingLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ShopConfigError(f"duplicate key {key!r} (first on line {seen[key]})", line)
            seen[key] = line
        return super().construct_mapping(node, deep)


def parse_shop_config(text: str, *, bundled_root: Optional[Path] = None) -> ShopConfig:
    """Parse and validate the whole file; raise :class:`ShopConfigError` at the first problem."""
    try:
        root_node = yaml.compose(text, Loader=_DuplicateCheckingLoader)
        data = yaml.load(text, Loader=_DuplicateCheckingLoader)
    except ShopConfigError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ShopConfigError(f"not valid YAML: {exc.problem or exc.context}", mark.line + 1 if mark else None)
    except yaml.YAMLError as exc:
        raise ShopConfigError(f"not valid YAML: {exc}")
    lines = _key_lines(root_node)
    if not isinstance(data, dict):
        raise ShopConfigError("the file must be a mapping with a 'shop' section", 1)
    _only(data, {"shop"}, "top level", lines, ())
    shop = data.get("shop")
    if not isinstance(shop, dict):
        raise ShopConfigError("'shop' must be a mapping with a 'bgs' section", lines.get(("shop",)))
    _only(shop, {"bgs"}, "'shop'", lines, ("shop",))
    bgs = shop.get("bgs")
    if not isinstance(bgs, dict) or not bgs:
        raise ShopConfigError("'shop.bgs' must list at least the 'default' background", lines.get(("shop", "bgs")))
    items = {}
    for key, raw in bgs.items():
        path = ("shop", "bgs", key)
        items[str(key)] = _item(key, raw, lines, path, bundled_root)
    if DEFAULT_KEY not in items:
        raise ShopConfigError("there must be a background keyed 'default'", lines.get(("shop", "bgs")))
    if items[DEFAULT_KEY].price != 0 or items[DEFAULT_KEY].hidden:
        raise ShopConfigError("the 'default' background must be free and not hidden", lines.get(("shop", "bgs", DEFAULT_KEY)))
    return ShopConfig(backgrounds=items)


def _item(key: Any, raw: Any, lines, path, bundled_root: Optional[Path]) -> ShopItem:
    line = lines.get(path)
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        raise ShopConfigError(
            f"item key {key!r} must be 1-32 lowercase letters, digits, '-' or '_', starting with a letter or digit", line
        )
    if not isinstance(raw, dict):
        raise ShopConfigError(f"item '{key}' must be a mapping of name, price, url or file", line)
    _only(raw, ITEM_FIELDS, f"item '{key}'", lines, path)

    def at(field: str) -> Optional[int]:
        return lines.get(path + (field,), line)

    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ShopConfigError(f"item '{key}' needs a name", at("name"))
    if len(name) > MAX_NAME:
        raise ShopConfigError(f"item '{key}': the name is longer than {MAX_NAME} characters", at("name"))
    price = raw.get("price")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= MAX_PRICE:
        hint = " (to take an item off sale, use hidden: true)" if isinstance(price, int) and price < 0 else ""
        raise ShopConfigError(f"item '{key}': price must be a whole number from 0 to {MAX_PRICE}, not {price!r}{hint}", at("price"))
    url, file = raw.get("url"), raw.get("file")
    if (url is None) == (file is None):
        raise ShopConfigError(f"item '{key}' needs exactly one of url or file", line)
    if url is not None:
        _check_url(key, url, at("url"))
    if file is not None:
        _check_file(key, file, at("file"), bundled_root)
    hidden = raw.get("hidden", False)
    if not isinstance(hidden, bool):
        raise ShopConfigError(f"item '{key}': hidden must be true or false", at("hidden"))
    desc = raw.get("desc", "") or ""
    if not isinstance(desc, str) or len(desc) > MAX_DESC:
        raise ShopConfigError(f"item '{key}': desc must be text of at most {MAX_DESC} characters", at("desc"))
    return ShopItem(key=key, name=name.strip(), price=price, url=url, file=file, hidden=hidden, desc=desc.strip())


def _check_url(key: str, url: Any, line: Optional[int]) -> None:
    if not isinstance(url, str):
        raise ShopConfigError(f"item '{key}': url must be text", line)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ShopConfigError(f"item '{key}': url must be an http:// or https:// address, not {url!r}", line)


def _check_file(key: str, file: Any, line: Optional[int], bundled_root: Optional[Path]) -> None:
    if not isinstance(file, str) or not file:
        raise ShopConfigError(f"item '{key}': file must be a path under the cog's data folder", line)
    relative = PurePosixPath(file)
    if relative.is_absolute() or ".." in relative.parts:
        raise ShopConfigError(f"item '{key}': file must stay inside the cog's data folder, not {file!r}", line)
    if relative.suffix.lower() not in IMAGE_SUFFIXES:
        raise ShopConfigError(f"item '{key}': file must be a .png, .jpg, .gif or .webp image", line)
    if bundled_root is not None and not (bundled_root / relative).is_file():
        raise ShopConfigError(f"item '{key}': no bundled file {file!r}", line)


def _only(mapping: dict, allowed: set[str], where: str, lines, path) -> None:
    for key in mapping:
        if key not in allowed:
            raise ShopConfigError(
                f"unknown key {key!r} in {where} (allowed: {', '.join(sorted(allowed))})", lines.get(path + (key,))
            )


def _key_lines(node, path=()) -> dict[tuple, int]:
    """Line (1-based) of every mapping key, by its path from the root."""
    found: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = path + (key_node.value,)
            found[key_path] = key_node.start_mark.line + 1
            found.update(_key_lines(value_node, key_path))
    return found
