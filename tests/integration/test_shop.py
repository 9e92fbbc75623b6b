"""The XP shop through a real Red bot and Red's real bank."""
import asyncio
import shutil
import sqlite3

import pytest
from redbot.core import bank, commands

from tests.conftest import db_rows, live, members, shop_yaml

SHOP_WITH_HIDDEN = shop_yaml("""\
    sunset:
      name: "Sunset Drive"
      price: 1000
      file: "backgrounds/sunset.png"
    secret:
      name: "Secret"
      price: 10
      url: "https://example.com/secret.png"
      hidden: true
""")


def write_config(sim, text: str) -> None:
    sim.cog.shop.config_path.write_text(text, encoding="utf-8")


async def reload_shop(sim) -> str:
    await sim.command("xpshop reload", sim.owner())
    return sim.replies()[-1].content


async def test_first_load_copies_the_default_config_to_the_data_folder(sim):
    path = sim.cog.shop.config_path
    assert path.parent == sim.cog.data_path and path.exists()
    assert set(sim.cog.shop.config.backgrounds) == {"default", "sunset", "ocean", "aurora"}


async def test_listing_shows_items_for_sale_with_preview_and_markers(sim, sent):
    write_config(sim, SHOP_WITH_HIDDEN)
    assert "2 for sale" in await reload_shop(sim)
    alice = members(sim)[0]
    await sim.command("xpshop", alice)
    assert sim.replies()[-1].attachments
    embed = sent[-1]["embed"]
    assert embed.title == "Midnight" and embed.image.url == "attachment://preview.png"
    assert sent[-1]["file_bytes"][0].startswith(b"\x89PNG") and embed.footer.text.startswith("Background 1/2")
    assert {f.name: f.value for f in embed.fields}["Status"].endswith("in use")
    await sim.command("xpshop backgrounds 2", alice)
    embed = sent[-1]["embed"]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "Sunset Drive" and fields["Price"] == "1,000 credits" and "Status" not in fields
    await sim.command("xpshop backgrounds 3", alice)
    assert "Pick a page from 1 to 2" in sim.replies()[-1].content


async def test_buy_with_and_without_funds_and_double_buy(sim):
    alice = members(sim)[0]
    await bank.set_balance(alice, 500)
    await sim.command("xpshop buy sunset", alice)
    assert "costs 1,000 credits and you have 500; nothing was charged" in sim.replies()[-1].content
    assert await bank.get_balance(alice) == 500
    await bank.set_balance(alice, 2500)
    await sim.command("xpshop buy sunset", alice)
    assert "You bought **Sunset Drive**" in sim.replies()[-1].content
    assert await bank.get_balance(alice) == 1500
    await sim.command("xpshop buy SUNSET", alice)
    assert "already own" in sim.replies()[-1].content
    assert await bank.get_balance(alice) == 1500
    assert db_rows(sim, "SELECT ItemType, ItemKey, IsUsing FROM XpShopOwnedItem WHERE UserId = ?", (alice.id,)) == [
        (1, "sunset", 0)
    ]
    await sim.command("xpshop buy nosuchthing", alice)
    assert "no background with that key" in sim.replies()[-1].content


async def test_concurrent_buys_charge_once(sim):
    alice = members(sim)[0]
    await bank.set_balance(alice, 5000)
    results = await asyncio.gather(*(sim.cog.shop.buy(alice, "aurora") for _ in range(5)))
    assert sorted(r.status.value for r in results) == ["already owned"] * 4 + ["bought"]
    assert await bank.get_balance(alice) == 0
    # and through the command path, two messages at once
    await bank.set_balance(alice, 3000)
    await asyncio.gather(sim.command("xpshop buy ocean", alice), sim.command("xpshop buy ocean", alice))
    assert await bank.get_balance(alice) == 1500


async def test_failed_recording_refunds(sim):
    alice = members(sim)[0]
    await bank.set_balance(alice, 1200)
    await sim.cog.store.set_busy_timeout(20)
    blocker = sqlite3.connect(sim.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        await sim.command("xpshop buy sunset", alice)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "refunded" in sim.replies()[-1].content
    assert await bank.get_balance(alice) == 1200
    assert db_rows(sim, "SELECT COUNT(*) FROM XpShopOwnedItem") == [(0,)]


async def test_refund_above_the_bank_maximum_is_clamped(sim):
    alice = members(sim)[0]
    await bank.set_max_balance(1000, sim.guild)
    await bank.set_balance(alice, 900)
    assert await live("systems.shop").refund(alice, 500) == 100
    assert await bank.get_balance(alice) == 1000


async def test_global_bank_purchases(sim):
    alice = members(sim)[0]
    await bank.set_global(True)
    try:
        await bank.set_balance(alice, 1000)
        await sim.command("xpshop buy sunset", alice)
        assert "You bought" in sim.replies()[-1].content
        assert await bank.get_balance(alice) == 0
    finally:
        await bank.set_global(False)


async def test_use_owned_and_exactly_one_in_use(sim):
    alice = members(sim)[0]
    await bank.set_balance(alice, 10_000)
    await sim.command("xpshop use sunset", alice)
    assert "don't own" in sim.replies()[-1].content
    for key in ("sunset", "ocean"):
        await sim.command(f"xpshop buy {key}", alice)
    await sim.command("xpshop use sunset", alice)
    await sim.command("xpshop use ocean", alice)
    assert "now your card background" in sim.replies()[-1].content
    assert db_rows(sim, "SELECT ItemKey FROM XpShopOwnedItem WHERE UserId = ? AND IsUsing = 1", (alice.id,)) == [
        ("ocean",)
    ]
    await sim.command("xpshop owned", alice)
    owned = sim.replies()[-1].content
    assert "ocean" in owned and "(in use)" in owned and "sunset" in owned and "default" in owned
    await sim.command("xpshop use default", alice)
    assert (await sim.cog.shop.equipped(alice.id)).key == "default"
    assert db_rows(sim, "SELECT COUNT(*) FROM XpShopOwnedItem WHERE IsUsing = 1") == [(0,)]


async def test_hidden_items_not_sold_but_owners_keep_them_and_removed_items_fall_back(sim):
    alice, bob = members(sim)[:2]
    await bank.set_balance(alice, 5000)
    await bank.set_balance(bob, 5000)
    await sim.command("xpshop buy sunset", alice)
    await sim.command("xpshop use sunset", alice)
    # sunset goes hidden: off sale, but alice keeps it on her card
    write_config(sim, SHOP_WITH_HIDDEN.replace('price: 1000\n      file: "backgrounds/sunset.png"',
                                               'price: 1000\n      file: "backgrounds/sunset.png"\n      hidden: true'))
    await reload_shop(sim)
    await sim.command("xpshop buy sunset", bob)
    assert "no background with that key" in sim.replies()[-1].content
    assert await bank.get_balance(bob) == 5000
    assert (await sim.cog.shop.equipped(alice.id)).key == "sunset"
    await sim.command("xpshop use default", alice)
    await sim.command("xpshop use sunset", alice)
    assert "now your card background" in sim.replies()[-1].content
    # sunset removed from the file: no longer usable, alice falls back to the default
    write_config(sim, SHOP_WITH_HIDDEN.replace(
        '    sunset:\n      name: "Sunset Drive"\n      price: 1000\n      file: "backgrounds/sunset.png"\n', ''))
    assert "1 background" not in await reload_shop(sim)
    assert (await sim.cog.shop.equipped(alice.id)).key == "default"
    await sim.command("xpshop use sunset", alice)
    assert "no background with that key" in sim.replies()[-1].content


@pytest.mark.parametrize(
    "broken, reason",
    [
        ("shop:\n  bgs: [oops\n", "not valid YAML"),
        ("shop:\n  bgs:\n    default:\n      name: x\n      price: 0\n      file: backgrounds/default.png\n"
         "    cheap:\n      name: y\n      price: 1.5\n      url: https://example.com/a.png\n", "line 9: item 'cheap': price"),
        ("shop:\n  bgs:\n    default:\n      name: x\n      price: 0\n      file: backgrounds/default.png\n"
         "    bad:\n      name: y\n      price: 5\n      url: ftp://example.com/a.png\n", "line 10: item 'bad': url"),
        ("shop:\n  bgs:\n    default:\n      name: x\n      price: 0\n      file: backgrounds/default.png\n"
         "    nameless:\n      price: 5\n      url: https://example.com/a.png\n", "needs a name"),
        ("shop:\n  bgs:\n    default:\n      name: x\n      price: 0\n      colour: red\n      file: backgrounds/default.png\n",
         "line 6: unknown key 'colour'"),
        ("shop:\n  bgs:\n    default:\n      name: x\n      price: 0\n      file: backgrounds/default.png\n"
         "    default:\n      name: y\n      price: 1\n      file: backgrounds/ocean.png\n", "line 7: duplicate key 'default'"),
        ("", "must be a mapping"),
    ],
)
async def test_a_bad_config_is_refused_and_the_shop_keeps_its_items(sim, sent, broken, reason):
    before = sim.cog.shop.config
    write_config(sim, broken)
    reply = await reload_shop(sim)
    assert "**not** applied" in reply and reason in reply
    assert sim.cog.shop.config is before
    await sim.command("xpshop", members(sim)[0])
    assert sent[-1]["embed"].title == "Midnight"


async def test_broken_config_at_load_falls_back_to_shipped_default(sim):
    write_config(sim, "shop: nope")
    await sim.reload_cog()
    assert "sunset" in sim.cog.shop.config.backgrounds


async def test_only_the_owner_reloads_and_admins_audit(sim):
    alice = members(sim)[0]
    with pytest.raises(commands.CheckFailure):
        await sim.command("xpshop reload", alice)
    with pytest.raises(commands.CheckFailure):
        await sim.command("xpshop log", alice)
    await bank.set_balance(alice, 2000)
    await sim.command("xpshop buy sunset", alice)
    await sim.command("xpshop use sunset", alice)
    await sim.command(f"xpshop log {alice.id}", sim.owner())
    log = sim.replies()[-1].content
    assert "buy    sunset           1000" in log and "use    sunset" in log


async def test_shop_data_is_deleted_with_the_user(sim):
    alice = members(sim)[0]
    await bank.set_balance(alice, 2000)
    await sim.command("xpshop buy sunset", alice)
    await sim.cog.red_delete_data_for_user(requester="user", user_id=alice.id)
    assert db_rows(sim, "SELECT COUNT(*) FROM XpShopOwnedItem WHERE UserId = ?", (alice.id,)) == [(0,)]
    assert db_rows(sim, "SELECT COUNT(*) FROM XpShopLog WHERE UserId = ?", (alice.id,)) == [(0,)]
