"""The shop config is the owner's file, read as untrusted input, through a real Red bot: no content
stops ``[p]load``/``[p]reload unicornia``, ``[p]xpshop reload`` refuses what it can't take (quickly,
off the event loop) and the shop keeps what it had.

A test here that hangs instead of failing is the defect it guards against."""
import asyncio
import threading

import pytest

from tests.conftest import live, members, shop_yaml
from tests.unit.test_shop_config_limits import GOOD, SHIPPED_KEYS, alias_bomb, items


def many_items(count: int) -> str:
    """An ordinary shop of ``count`` url backgrounds besides the default."""
    return shop_yaml(items(count))


def shop_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "red.unicornia.shop"]


BAD_AT_LOAD = {
    "5000 nested lists": (("[" * 5000 + "]" * 5000).encode(), "nested more than 20 levels deep"),
    "5000 nested mappings": (("{a: " * 5000 + "1" + "}" * 5000).encode(), "nested more than 20 levels deep"),
    "alias bomb": (alias_bomb(25, 5).encode(), "more than 100 aliases"),
    "too big": (many_items(20_000).encode(), "larger than the 1,024 KiB limit"),
    "invalid values": (GOOD.replace("price: 1000", "price: lots").encode(), "line 10: item 'sunset': price"),
    "not UTF-8": (GOOD.encode("utf-16"), "not UTF-8 text"),
    "binary": (bytes(range(256)) * 16, "not UTF-8 text"),
}


@pytest.mark.parametrize("name", BAD_AT_LOAD)
async def test_no_config_stops_the_cog_loading(sim, sent, caplog, name):
    raw, reason = BAD_AT_LOAD[name]
    path = sim.cog.shop.config_path
    path.write_bytes(raw)
    owner = sim.owner()
    with caplog.at_level("WARNING", logger="red.unicornia.shop"):
        await sim.command("reload unicornia", owner)  # Red's own loader: unload, then load the package again
    replies = [m.content for m in sim.replies()]
    assert sim.cog is not None, replies
    assert not any("Failed" in r for r in replies), replies
    assert set(sim.cog.shop.config.backgrounds) == SHIPPED_KEYS
    assert any(str(path) in w and reason in w and "shipped default" in w for w in shop_log(caplog)), shop_log(caplog)

    # the owner is told where they look at the shop; members are not
    await sim.command("xpshop", owner)
    note = sent[-1]["content"]
    assert f"The shop config at `{path}` was refused:" in note and reason in note
    assert "uses the bundled default" in note and "`!xpshop reload`" in note
    await sim.command("xpshop", members(sim)[0])
    assert sent[-1]["content"] is None and sent[-1]["embed"].title == "Midnight"

    # reloading the same file says what the shop runs on; once fixed, the file applies and the note goes
    await sim.command("xpshop reload", owner)
    reply = sim.replies()[-1].content
    assert "**not** applied" in reply and reason in reply and "keeps the bundled default" in reply
    path.write_text(GOOD, encoding="utf-8")
    await sim.command("xpshop reload", owner)
    assert "2 backgrounds" in sim.replies()[-1].content
    await sim.command("xpshop", owner)
    assert sent[-1]["content"] is None


@pytest.mark.parametrize("bomb, reason", [
    (alias_bomb(25, 5), "line 22: more than 100 aliases"),  # 5**25 mappings expanded
    (alias_bomb(45, 2), "line 1: unknown key 'a0' in top level"),  # 2**45, under the alias limit: never walked
])
async def test_xpshop_reload_refuses_an_alias_bomb_and_the_shop_is_unchanged(sim, sent, bomb, reason):
    before = sim.cog.shop.config
    sim.cog.shop.config_path.write_text(bomb, encoding="utf-8")
    await sim.command("xpshop reload", sim.owner())
    reply = sim.replies()[-1].content
    assert "**not** applied" in reply and reason in reply and "keeps its previous config" in reply
    assert sim.cog.shop.config is before
    await sim.command("xpshop backgrounds 4", members(sim)[0])
    assert sent[-1]["embed"].title == "Aurora (animated)"


@pytest.mark.parametrize("count, reply", [
    (20_000, "**not** applied: the file is larger than the 1,024 KiB limit"),  # 2.2 MB, ordinary
    (2_000, "**not** applied: line 3: 'shop.bgs' lists 2,001 backgrounds; the shop takes at most 2,000"),
    (1_999, "Shop config reloaded: 2000 backgrounds, 2000 for sale."),
])
async def test_xpshop_reload_caps_the_file_size_and_the_items(sim, count, reply):
    sim.cog.shop.config_path.write_text(many_items(count), encoding="utf-8")
    await sim.command("xpshop reload", sim.owner())
    assert reply in sim.replies()[-1].content


async def test_xpshop_reload_parses_off_the_event_loop(sim, monkeypatch):
    """While the file is parsed the event loop keeps running (here: this test's own coroutine)."""
    shop_module = live("systems.shop")
    real_parse = shop_module.parse_shop_config
    parsing, finish = threading.Event(), threading.Event()
    loop_was_free = []

    def slow_parse(raw, **kwargs):
        parsing.set()
        loop_was_free.append(finish.wait(timeout=5))  # on the loop itself, nothing could set it
        return real_parse(raw, **kwargs)

    monkeypatch.setattr(shop_module, "parse_shop_config", slow_parse)
    sim.cog.shop.config_path.write_text(GOOD, encoding="utf-8")
    reload = asyncio.create_task(sim.command("xpshop reload", sim.owner()))
    for _ in range(500):
        if parsing.is_set():
            break
        await asyncio.sleep(0.01)
    finish.set()
    await reload
    assert loop_was_free == [True]
    assert "Shop config reloaded: 2 backgrounds" in sim.replies()[-1].content
