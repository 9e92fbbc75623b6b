"""The shop config under hostile or broken files: every limit refuses with a clear message, in
time linear in the file, and the shop keeps what it had (the last good file, or the shipped default).

A test here that hangs instead of failing is the defect it guards against (an alias bomb walked
alias by alias, a deep file parsed by recursion): each case is refused in milliseconds."""
from pathlib import Path

import pytest
import yaml

from tests.conftest import shop_yaml
from unicornia.core import shop_config
from unicornia.core.shop_config import (MAX_ALIASES, MAX_CONFIG_BYTES, MAX_DEPTH, MAX_ITEMS, MAX_REASON,
                                        ShopConfigError, parse_shop_config)
from unicornia.systems.shop import ShopService

BUNDLED = Path(__file__).resolve().parents[2] / "unicornia" / "data"
SHIPPED_KEYS = {"default", "sunset", "ocean", "aurora"}
GOOD = shop_yaml("""\
    sunset:
      name: "Sunset Drive"
      price: 1000
      file: "backgrounds/sunset.png"
""")


def items(count: int, fields: str = 'name: "Item {i}"') -> str:
    """``count`` extra url items, keyed item0, item1, ..."""
    return "".join(f"    item{i}:\n      {fields.format(i=i)}\n      price: 1\n      url: \"https://example.com/{i}.png\"\n"
                   for i in range(count))


def aliased_names(count: int) -> str:
    """``count`` items whose name is an alias of the default's name: ``count`` aliases."""
    return GOOD.replace('name: "Midnight"', 'name: &midnight "Midnight"') + items(count, "name: *midnight")


def alias_bomb(lines: int, per_line: int = 2) -> str:
    """The classic alias bomb: each line an anchored mapping of ``per_line`` aliases to the line
    before, so that expanded, line n holds per_line**n mappings."""
    bomb = ["a0: &a0 {x: 1}"]
    for i in range(1, lines):
        bomb.append(f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(per_line)) + "}")
    return "\n".join(bomb) + "\n" + GOOD


def doubling_price(lines: int) -> str:
    """A bomb in a field that is validated: the default's price is a list of 2**lines ones."""
    steps = ", ".join(["&a0 [1, 1]"] + [f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, lines)])
    return GOOD.replace("price: 0", f"price: [{steps}]")


def padded(text: str, size: int) -> bytes:
    """``text`` followed by a comment line, ``size`` bytes in all."""
    raw = text.encode("utf-8") + b"#"
    return raw + b"x" * (size - len(raw) - 1) + b"\n"


# bad file -> (what the message says, its line or None)
BAD_FILES = {
    "too big": (padded(GOOD, MAX_CONFIG_BYTES + 1), f"larger than the {MAX_CONFIG_BYTES // 1024:,} KiB limit", None),
    "too many aliases": (aliased_names(MAX_ALIASES + 1).encode(), f"more than {MAX_ALIASES} aliases",
                         13 + 4 * MAX_ALIASES),  # the name of item number MAX_ALIASES
    "too many items": (shop_yaml(items(MAX_ITEMS)).encode(), f"lists {MAX_ITEMS + 1:,} backgrounds; the shop takes "
                       f"at most {MAX_ITEMS:,}", 3),
    "too deep": (("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode(), f"nested more than {MAX_DEPTH} levels", 1),
    "5000 nested lists": (("[" * 5000 + "]" * 5000).encode(), f"nested more than {MAX_DEPTH} levels", 1),
    "5000 nested mappings": (("{a: " * 5000 + "1" + "}" * 5000).encode(), f"nested more than {MAX_DEPTH} levels", 1),
    "deep block mappings": ("".join("  " * i + "a:\n" for i in range(MAX_DEPTH + 5)).encode(),
                            f"nested more than {MAX_DEPTH} levels", MAX_DEPTH + 1),
    "alias bomb under the alias limit": (alias_bomb(40).encode(), "unknown key 'a0' in top level", 1),
    "alias bomb in a price": (doubling_price(45).encode(), "price must be a whole number from 0 to "
                              "1000000000000, not a list", 6),
    "merge keys": (GOOD.replace('name: "Sunset Drive"', "<<: {name: x}").encode(), "merge keys (<<) are not "
                   "supported", 9),
    "a list as a key": (GOOD.replace("sunset:", "? [sunset]\n    :").encode(), "a key must be a plain name", 8),
    "not UTF-8": (GOOD.encode().replace(b"Sunset Drive", b"Sunset \xff Drive"), "not UTF-8 text (byte 0xff", 9),
    "binary (an image)": ((BUNDLED / "backgrounds" / "default.png").read_bytes(), "not UTF-8 text", 1),
    "control characters": (b"shop:\x00\x01\x02\n", "not valid YAML", 1),
    "a date that doesn't exist": (GOOD.replace("price: 1000", "price: 2024-02-30").encode(), "not valid YAML", None),
    "a malformed url": (GOOD.replace('file: "backgrounds/sunset.png"', 'url: "http://[oops"').encode(),
                        "url must be an http:// or https:// address, not 'http://[oops'", 11),
    "a file name the system refuses": (GOOD.replace("sunset.png", "s" * 300 + ".png").encode(), "no bundled file", 11),
    "a huge value in the message": (GOOD.replace("price: 1000", "price: " + "9x" * 5000).encode(),
                                    "price must be a whole number", 10),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_bad_file_is_refused_with_a_clear_message(name):
    raw, reason, line = BAD_FILES[name]
    with pytest.raises(ShopConfigError) as refused:
        parse_shop_config(raw, bundled_root=BUNDLED)
    assert reason in refused.value.reason
    assert refused.value.line == line
    assert len(str(refused.value)) <= MAX_REASON + len(f"line {line}: ")


@pytest.mark.parametrize("name", ["5000 nested lists", "5000 nested mappings", "too many aliases",
                                  "alias bomb under the alias limit"])
def test_the_pure_python_parser_is_held_to_the_same_limits(monkeypatch, name):
    """Without libyaml PyYAML parses in Python: the limits hold there too."""
    monkeypatch.setattr(shop_config, "_LOADER", shop_config._loader_class(yaml.SafeLoader))
    raw, reason, line = BAD_FILES[name]
    with pytest.raises(ShopConfigError) as refused:
        parse_shop_config(raw, bundled_root=BUNDLED)
    assert reason in refused.value.reason and refused.value.line == line


@pytest.mark.parametrize("error", [RecursionError("maximum recursion depth exceeded"), RuntimeError("boom")])
def test_whatever_the_yaml_library_raises_is_a_refusal(monkeypatch, error):
    def failing_load(*args, **kwargs):
        raise error

    monkeypatch.setattr(shop_config.yaml, "load", failing_load)
    with pytest.raises(ShopConfigError, match="nested more than|not valid YAML: boom"):
        parse_shop_config(GOOD)


def test_each_limit_admits_a_file_just_inside_it():
    assert len(parse_shop_config(padded(GOOD, MAX_CONFIG_BYTES)).backgrounds) == 2
    assert len(parse_shop_config(aliased_names(MAX_ALIASES)).backgrounds) == MAX_ALIASES + 2
    assert len(parse_shop_config(shop_yaml(items(MAX_ITEMS - 1))).backgrounds) == MAX_ITEMS
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH  # passes the depth check; then is not a mapping
    with pytest.raises(ShopConfigError, match="must be a mapping"):
        parse_shop_config(nested)
    # quoted "<<" is an ordinary key (and so refused as an unknown field, not as a merge)
    with pytest.raises(ShopConfigError, match="unknown key '<<'"):
        parse_shop_config(GOOD.replace('name: "Sunset Drive"', '"<<": x'))


def test_error_lines_still_point_at_the_key():
    text = GOOD + '    cheap:\n      name: "Cheap"\n      price: -1\n      url: "https://example.com/a.png"\n'
    with pytest.raises(ShopConfigError) as refused:
        parse_shop_config(text)
    assert refused.value.line == 14 and "use hidden: true" in refused.value.reason
    # a UTF-8 byte order mark (some editors write one) is fine
    assert len(parse_shop_config(b"\xef\xbb\xbf" + GOOD.encode()).backgrounds) == 2


# --- the service keeps the last good shop, or the shipped default ---------------------------------
@pytest.fixture
def shop(tmp_path) -> ShopService:
    return ShopService(None, data_path=tmp_path, bundled_root=BUNDLED)  # the config needs no store


@pytest.mark.parametrize("name", ["too big", "too many aliases", "too many items", "5000 nested lists",
                                  "5000 nested mappings", "not UTF-8", "binary (an image)"])
async def test_reload_refuses_and_keeps_the_last_good_shop(shop, name):
    raw, reason, _ = BAD_FILES[name]
    shop.config_path.write_text(GOOD, encoding="utf-8")
    good = await shop.reload()
    assert set(good.backgrounds) == {"default", "sunset"}
    shop.config_path.write_bytes(raw)
    with pytest.raises(ShopConfigError) as refused:
        await shop.reload()
    assert reason in str(refused.value)
    assert shop.config is good and shop.refused is None


@pytest.mark.parametrize("name", ["too big", "too many aliases", "too many items", "5000 nested lists",
                                  "5000 nested mappings", "not UTF-8", "binary (an image)", "a malformed url"])
async def test_load_never_raises_and_keeps_the_shipped_default(shop, caplog, name):
    raw, reason, _ = BAD_FILES[name]
    shop.config_path.write_bytes(raw)
    with caplog.at_level("WARNING", logger="red.unicornia.shop"):
        await shop.load()
    assert set(shop.config.backgrounds) == SHIPPED_KEYS
    assert reason in shop.refused
    warning = caplog.records[-1].getMessage()
    assert str(shop.config_path) in warning and reason in warning and "shipped default" in warning
    # fixed and reloaded: the owner's file is applied and the notice goes
    shop.config_path.write_text(GOOD, encoding="utf-8")
    await shop.reload()
    assert set(shop.config.backgrounds) == {"default", "sunset"} and shop.refused is None


async def test_a_huge_file_is_refused_without_being_read(shop):
    with open(shop.config_path, "wb") as file:
        file.truncate(1 << 30)  # 1 GiB, sparse: reading it whole would take a gigabyte of memory
    with pytest.raises(ShopConfigError, match="larger than"):
        await shop.reload()


async def test_load_survives_a_config_path_it_cannot_read(shop):
    shop.config_path.mkdir()  # a folder where the file should be
    await shop.load()
    assert set(shop.config.backgrounds) == SHIPPED_KEYS and "can't be read" in shop.refused
