"""`[p]level check` answers with a rendered card; the equipped background, URLs and failures."""
import io
import ipaddress
import logging

import pytest
from discord.utils import escape_markdown
from PIL import Image
from redbot.core import bank

from tests.conftest import break_card_drawing, live, members, shop_yaml
from tests.imagekit import ImageServer


def card_image(sent) -> Image.Image:
    img = Image.open(io.BytesIO(sent[-1]["file_bytes"][0]))
    img.load()
    return img


@pytest.fixture
async def server():
    srv = await ImageServer().start()
    yield srv
    await srv.stop()


def url_shop(url: str) -> str:
    return shop_yaml(f"""\
    remote:
      name: "Remote"
      price: 0
      url: "{url}"
""")


async def test_card_reply_has_summary_and_png(sim, sent):
    alice = members(sim)[0]
    await sim.say("hello there", alice)
    await sim.command("level check", alice)
    message = sim.replies()[-1]
    assert message.attachments[0].filename == "card.png"
    assert sent[-1]["content"].startswith(f"{escape_markdown(alice.display_name)}: level 0, rank #1 of 1")
    assert card_image(sent).size == (800, 392)


async def test_card_uses_the_equipped_background(sim, sent):
    alice = members(sim)[0]
    await sim.command("level check", alice)
    default_corner = card_image(sent).convert("RGB").getpixel((3, 3))
    await bank.set_balance(alice, 10_000)
    await sim.command("xpshop buy sunset", alice)
    await sim.command("xpshop use sunset", alice)
    await sim.command("level check", alice)
    sunset_corner = card_image(sent).convert("RGB").getpixel((3, 3))
    assert default_corner != sunset_corner and sunset_corner[0] > 200  # sunset's sky is orange
    await sim.command("xpshop use aurora", alice)  # not owned: nothing changes
    await sim.command("xpshop buy aurora", alice)
    await sim.command("xpshop use aurora", alice)
    await sim.command(f"level check {alice.id}", members(sim)[1])
    assert sim.replies()[-1].attachments[0].filename == "card.gif"
    assert card_image(sent).n_frames > 1


async def test_url_background_downloads_through_the_guard(sim, sent, server):
    alice = members(sim)[0]
    sim.cog.shop.config_path.write_text(url_shop(server.url("/ok.png", host="images.test")), encoding="utf-8")
    await sim.command("xpshop reload", sim.owner())
    await sim.command("xpshop buy remote", alice)
    await sim.command("xpshop use remote", alice)
    downloads = live("systems.downloader")
    SafeDownloader, StaticResolver = downloads.SafeDownloader, downloads.StaticResolver
    # the guard is on by default: the test server lives on loopback, so it is refused
    sim.cog.cards.downloader = SafeDownloader(resolver=StaticResolver({"images.test": ["127.0.0.1"]}))
    await sim.command("level check", alice)
    content = sent[-1]["content"]
    assert "couldn't be loaded (that image address is not allowed), so the default one is shown" in content
    assert "127.0.0.1" not in content and str(server.port) not in content
    assert server.hits == []
    # with the test-only allow-list the same URL is fetched and drawn (the server's PNG is magenta)
    await sim.cog.cards.downloader.close()
    sim.cog.cards.downloader = SafeDownloader(resolver=StaticResolver({"images.test": ["127.0.0.1"]}),
                                              allow=[ipaddress.ip_network("127.0.0.0/8")])
    await sim.command("level check", alice)
    assert "couldn't be loaded" not in sent[-1]["content"]
    assert card_image(sent).convert("RGB").getpixel((3, 3)) == (200, 30, 90)
    assert server.hits == ["/ok.png"]


async def test_render_failure_falls_back_to_text_and_is_logged(sim, sent, caplog):
    alice = members(sim)[0]

    break_card_drawing(sim)
    with caplog.at_level(logging.ERROR, logger="red.unicornia.commands"):
        await sim.command("level check", alice)
    reply = sim.replies()[-1]
    assert reply.content.startswith(f"{escape_markdown(alice.display_name)}: level 0") and reply.embeds
    assert any("Drawing the card" in r.getMessage() for r in caplog.records)
