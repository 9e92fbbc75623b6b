"""The shop browser shows each background on the member's own card (issue #15): their name,
avatar, level, rank, style, accent and club over the background they are looking at, drawn by
the same code as `[p]level check`; paging, buying and equipping draw the page again; a preview
that can't be drawn leaves the background alone on the page, with a note, never an error."""
import io
import logging
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat
from redbot.core import bank

from tests.conftest import break_card_drawing, chatter, live, members, record_cards, shop_yaml

#: Where the previews are written for a person to look at (set UNICORNIA_PREVIEW_DIR).
LOOK_DIR = os.environ.get("UNICORNIA_PREVIEW_DIR")
CARD_SIZE = (800, 392)


def image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def keep(name: str, data: bytes) -> None:
    if LOOK_DIR:
        Path(LOOK_DIR).mkdir(parents=True, exist_ok=True)
        Path(LOOK_DIR, name).write_bytes(data)


def same_picture(a: bytes, b: bytes) -> bool:
    return ImageChops.difference(image(a).convert("RGB"), image(b).convert("RGB")).getbbox() is None


async def dressed_up(sim, member) -> None:
    """A member with XP, a rank, a style, an accent colour and a club: all of it on their card."""
    await chatter(sim, member, 3)
    await sim.command("level card style classic", member)
    await sim.command("level card colour #ff8a3d", member)
    await sim.command("club create Night Owls", member)
    sim.replies()


async def card_now(sim, member) -> bytes:
    """The member's card as `[p]level check` draws it, with the background they use."""
    stand = await live("systems.standing").standing(sim.cog.xp, sim.cog.store, member.guild.id, member.id)
    club_name, club_icon = await sim.cog.clubs.card_club(member)
    card, note = await sim.cog.cards.card_for(member, stand, club_name=club_name, club_icon=club_icon)
    assert note is None
    return card.data


async def wear(sim, member, key: str) -> None:
    await bank.set_balance(member, 100_000)
    await sim.cog.shop.buy(member, key)
    await sim.cog.shop.use(member, key)


async def test_prefix_browse_shows_the_members_own_card_with_each_background(sim, sent):
    alice = members(sim)[0]
    await dressed_up(sim, alice)
    drawn = record_cards(sim)
    await sim.command("xpshop", alice)
    embed, [data] = sent[-1]["embed"], sent[-1]["file_bytes"]
    assert embed.title == "Midnight" and embed.image.url == "attachment://preview.png"
    assert data.startswith(b"\x89PNG") and image(data).size == CARD_SIZE
    [card] = drawn
    assert (card.name, card.style, card.accent, card.club_name) == (alice.display_name, "classic", (255, 138, 61),
                                                                    "Night Owls")
    assert (card.level, card.rank, card.ranked, card.total_xp) == (0, 1, 1, 1)
    keep("prefix-midnight.png", data)
    # the same card `[p]level check` draws: alice uses Midnight
    assert same_picture(data, await card_now(sim, alice))

    await sim.command("xpshop backgrounds 2", alice)
    sunset = sent[-1]["file_bytes"][0]
    assert sent[-1]["embed"].title == "Sunset Drive" and image(sunset).size == CARD_SIZE
    assert not same_picture(sunset, data)
    keep("prefix-sunset.png", sunset)
    await wear(sim, alice, "sunset")
    assert same_picture(sunset, await card_now(sim, alice))


async def test_slash_browse_defers_then_next_and_previous_draw_the_next_card(slash):
    alice = members(slash)[0]
    await dressed_up(slash, alice)
    opened = (await slash.slash("xpshop browse", alice)).raise_errors()
    assert opened.deferred and opened.ephemeral is False  # "thinking..." while the card is drawn
    [(name, first)] = opened.files
    assert name == "preview.png" and image(first).size == CARD_SIZE
    assert same_picture(first, await card_now(slash, alice))
    assert opened.messages()[-1]["embeds"][0]["image"]["url"] == "attachment://preview.png"

    clicked = (await slash.click(opened, "xpshop:next", alice)).raise_errors()
    assert clicked.deferred and clicked.answer.kind == "edit_original"
    [(name, sunset)] = clicked.files
    [message] = clicked.messages()
    assert message["embeds"][0]["title"] == "Sunset Drive" and [a["filename"] for a in message["attachments"]] == [
        "preview.png"]
    assert name == "preview.png" and not same_picture(sunset, first)
    keep("slash-sunset.png", sunset)

    wrapped = (await slash.click(opened, "xpshop:previous", alice)).raise_errors()
    wrapped = (await slash.click(opened, "xpshop:previous", alice)).raise_errors()  # round to the last page
    [(_, aurora)] = wrapped.files
    [message] = wrapped.messages()
    fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
    assert message["embeds"][0]["title"] == "Aurora (animated)"
    assert fields["Preview"] == "Animated on your card; the preview shows its first frame."
    assert aurora.startswith(b"\x89PNG") and image(aurora).size == CARD_SIZE  # a still, not a GIF
    keep("slash-aurora-still.png", aurora)
    # the still is the animated card's first frame, near enough (the GIF has a palette)
    await wear(slash, alice, "aurora")
    animated = image(await card_now(slash, alice))
    assert animated.n_frames > 1
    animated.seek(0)
    diff = ImageChops.difference(image(aurora).convert("RGB"), animated.convert("RGB"))
    mean = sum(ImageStat.Stat(diff).mean) / 3
    assert mean < 2, mean  # 0.06 of 255 when written


def buttons(result) -> dict[str, bool]:
    """Each button's custom id, and whether it is disabled, on the message as it now stands."""
    return {c["custom_id"]: bool(c.get("disabled")) for row in result.messages()[-1]["components"]
            for c in row["components"]}


async def test_prefix_browser_buttons_page_buy_and_equip_redrawing_the_card(sim):
    alice, bob = members(sim)[:2]
    await bank.set_balance(alice, 1000)
    await sim.command("xpshop", alice)
    message = sim.replies()[-1]
    with pytest.raises(ValueError, match="disabled"):  # Midnight: owned and in use
        await sim.click(message, "Buy", alice)
    nxt = (await sim.click(message, "xpshop:next", alice)).raise_errors()
    [(name, data)] = nxt.files
    assert nxt.deferred and nxt.messages()[-1]["embeds"][0]["title"] == "Sunset Drive"
    assert name == "preview.png" and image(data).size == CARD_SIZE
    assert buttons(nxt) == {"xpshop:previous": False, "xpshop:buy": False, "xpshop:use": True, "xpshop:next": False}
    bought = (await sim.click(message, "Buy", alice)).raise_errors()
    assert "You bought **Sunset Drive**" in bought.text and "`!xpshop use sunset`" in bought.text
    assert image(bought.files[0][1]).size == CARD_SIZE  # the page is drawn again, still a card
    assert buttons(bought)["xpshop:buy"] and not buttons(bought)["xpshop:use"]
    used = (await sim.click(message, "Use", alice)).raise_errors()
    assert "now your card background" in used.text and buttons(used)["xpshop:use"]
    assert (await sim.cog.shop.equipped(alice.id)).key == "sunset"
    assert same_picture(used.files[0][1], await card_now(sim, alice))
    stranger = await sim.click(message, "xpshop:previous", bob)
    assert stranger.ephemeral is True and "belongs to someone else" in stranger.text
    back = (await sim.click(message, "xpshop:previous", alice)).raise_errors()
    assert back.messages()[-1]["embeds"][0]["title"] == "Midnight"


async def test_a_preview_is_drawn_once_per_card_and_drawn_again_when_the_standing_changes(sim, sent, clock):
    alice = members(sim)[0]
    drawn = record_cards(sim)
    await sim.command("xpshop", alice)
    message = sim.replies()[-1]
    for button in ("xpshop:next", "xpshop:previous", "xpshop:next"):
        (await sim.click(message, button, alice)).raise_errors()
    assert [c.name for c in drawn] == [alice.display_name] * 2  # Midnight, Sunset; then from the cache
    await sim.command("xpshop", alice)  # a new window, the same card: from the cache
    assert len(drawn) == 2
    await sim.say("alice earns her first XP", alice)
    await sim.command("xpshop", alice)  # her XP moved, so her card is new
    assert len(drawn) == 3 and drawn[-1].total_xp == 1


async def test_the_preview_cache_is_bounded(sim):
    alice = members(sim)[0]
    service, previews = live("systems.card_service"), sim.cog.cards.previews
    assert (previews.max_items, previews.max_bytes, previews.ttl) == (
        service.PREVIEW_CACHE_ITEMS, service.PREVIEW_CACHE_BYTES, service.PREVIEW_CACHE_TTL)
    sim.cog.cards.previews = live("core.bytecache").ByteCache(max_items=2, max_bytes=10 * 1024 * 1024, ttl=60)
    await sim.command("xpshop", alice)
    message = sim.replies()[-1]
    for _ in range(3):
        (await sim.click(message, "xpshop:next", alice)).raise_errors()
    assert len(sim.cog.cards.previews) == 2  # four backgrounds seen, the oldest two let go


async def test_a_refused_download_shows_the_background_alone_with_a_note(sim, sent, caplog):
    alice = members(sim)[0]
    sim.cog.shop.config_path.write_text(shop_yaml("""\
    remote:
      name: "Remote"
      price: 10
      url: "http://127.0.0.1:9/bg.png"
"""), encoding="utf-8")
    await sim.command("xpshop reload", sim.owner())
    with caplog.at_level(logging.WARNING):
        await sim.command("xpshop backgrounds 2", alice)
    embed = sent[-1]["embed"]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "Remote" and embed.image.url == "http://127.0.0.1:9/bg.png" and not sent[-1]["file_bytes"]
    assert fields["Preview"] == ("Your card couldn't be drawn with this background (that image address is not "
                                 "allowed), so here it is alone.")
    assert any("refused" in r.getMessage() for r in caplog.records)


async def test_a_failed_drawing_shows_the_bundled_background_alone_and_is_logged(sim, sent, caplog):
    alice = members(sim)[0]

    break_card_drawing(sim)
    with caplog.at_level(logging.ERROR, logger="red.unicornia.commands"):
        await sim.command("xpshop backgrounds 2", alice)
    embed = sent[-1]["embed"]
    assert embed.image.url == "attachment://preview.png"
    bundled = (sim.cog.shop.bundled_root / "backgrounds" / "sunset.png").read_bytes()
    assert sent[-1]["file_bytes"] == [bundled]
    assert {f.name: f.value for f in embed.fields}["Preview"] == (
        "Your card couldn't be drawn with this background, so here it is alone.")
    assert any("Drawing the shop preview of 'sunset'" in r.getMessage() for r in caplog.records)


async def test_no_preview_where_the_bot_cannot_attach_files(sim, sent, monkeypatch):
    alice = members(sim)[0]
    drawn = record_cards(sim)
    shop = live("commands.shop")
    monkeypatch.setattr(shop, "can_attach", lambda ctx: False)
    await sim.command("xpshop", alice)
    assert drawn == [] and "Preview" not in {f.name for f in sent[-1]["embed"].fields}


async def test_a_german_server_gets_a_german_card_and_note_after_a_press(sim):
    """A press runs outside any command: the browser switches to the server's language first."""
    import polib

    catalogue = Path(__file__).resolve().parents[2] / "unicornia" / "locales" / "de-DE.po"
    german = {e.msgid: e.msgstr for e in polib.pofile(str(catalogue)) if e.msgstr}
    alice = members(sim)[0]
    await sim.command("set locale server de-DE", sim.owner())
    drawn = record_cards(sim)
    await sim.command("xpshop", alice)
    message = sim.replies()[-1]
    pressed = (await sim.click(message, "xpshop:previous", alice)).raise_errors()  # round to Aurora
    embed = pressed.messages()[-1]["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields[german["Preview"]] == german["Animated on your card; the preview shows its first frame."]
    assert drawn[-1].labels.rank == german["RANK"] and drawn[-1].labels.number(1234) == "1.234"
