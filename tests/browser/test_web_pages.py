"""The web leaderboard in headless Chromium, served by the cog inside the real Red test bot.

What a visitor sees: the page loads with the server's name; its rows are the database's ranking
(XP read from the SQLite file with a separate connection); the pager moves by clicking; a hostile
nickname shows as text and opens no dialog; a phone-width page never scrolls sideways; dark and
light schemes both render; the week's tab shows the week's XP; a private member is a hidden row
at their rank.  Screenshots land in build/screenshots/ as artefacts of every run.
"""
from __future__ import annotations

import re

import pytest
from discord.ext.test import backend as fake

from unicornia.core.levels import level_from_xp
from unicornia.web.data import PER_PAGE

from tests.browser.conftest import DESKTOP, PHONE, new_page, screenshot
from tests.conftest import db_rows

#: Display names as servers have them: several scripts, emoji, and long unbroken ones (Discord
#: allows 32 characters in a nickname).
NAMES = [
    "Алексей Смирнов", "さくら🌸", "محمد العتيبي", "Zoë Müller", "李明", "김민수", "Ωμέγα Παπαδόπουλος",
    "नेहा शर्मा", "ประเสริฐ", "עמית כהן", "Søren Ødegård", "Nguyễn Thị Hương", "Łukasz Wiśniewski",
    "🦄 unicorn_fan 🦄", "xXx_TheUltimateDestroyer9000_xXx", "Wolfeschlegelsteinhausenbergerdo",
    "Jean-Baptiste de La Fontaine", "Ayşe Yılmaz", "Σωκράτης", "Дмитрий Иванов",
]
HOSTILE = "<script>alert(1)</script>"
#: Enough ranked members for a second and a third page at any page size up to 25.
MEMBERS = 60


async def populate(sim, count: int = MEMBERS, *, hostile: bool = False) -> list:
    """``count`` new members with nicknames from ``NAMES`` (the first one ``HOSTILE`` when asked)
    and distinct XP given through the cog's own admin award; returned from the highest XP down."""
    made = []
    for i in range(count):
        nick = HOSTILE if hostile and i == 0 else NAMES[i % len(NAMES)]
        # an avatar of their own (the page links it on Discord's CDN; the tests answer it locally)
        user = fake.make_user(f"member{i}", "0001", avatar=f"{i:032x}")
        made.append(fake.make_member(user, sim.guild, nick=nick))
    for i, member in enumerate(made):
        await sim.cog.xp.award(member, 50_000 - i * 733)
    await sim.cog.xp.flush()
    sim.replies()
    return made


async def chat_for_two_weeks(sim, clock, wall, member) -> None:
    """``member`` chats on each of the last 14 days (a few messages a day), so their chart has bars."""
    day = 86_400
    wall.now -= 13 * day
    for today in range(14):
        for message in range(1 + (today * 7) % 5):
            clock.advance(61)  # past the per-message cooldown
            await sim.say(f"day {today}, message {message}: hello everyone!", member)
        await sim.cog.xp.flush()
        if today < 13:
            wall.advance(day)
    sim.replies()


def stored(sim) -> list[tuple[int, int]]:
    """(user id, XP) of the guild's ranked members, highest first, from the SQLite file."""
    return db_rows(sim, "SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ? AND Xp > 0 "
                        "ORDER BY Xp DESC, UserId", (sim.guild.id,))


def number(text: str) -> int:
    """A number as the page shows it ("12,345 XP", "Level 7", "#3"): its digits."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no number in {text!r}"
    return int(digits)


async def rows(page) -> list[dict]:
    """The leaderboard's rows as the visitor sees them (rendered text, not the HTML source)."""
    return await page.eval_on_selector_all("li.row", """rows => rows.map(row => ({
        user: row.dataset.user,
        rank: row.querySelector('.rank')?.innerText ?? '',
        name: row.querySelector('.name')?.innerText ?? '',
        level: row.querySelector('.level')?.innerText ?? '',
        xp: row.querySelector('.xp')?.innerText ?? '',
        bar: !!row.querySelector('.bar'),
    }))""")


def watch_dialogs(page) -> list:
    """Every alert/confirm/prompt the page opens (each dismissed at once)."""
    opened = []

    async def on_dialog(dialog):
        opened.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    return opened


async def test_leaderboard_page_loads_with_the_servers_name_and_rows(sim, web, browser):
    await populate(sim)
    page = await new_page(browser)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = await page.goto(f"{web}/{sim.guild.id}")
    assert response.status == 200
    assert (await page.inner_text("h1")).strip() == sim.guild.name
    assert await page.locator("li.row").count() > 0
    assert errors == []
    await screenshot(page, "leaderboard-desktop")


async def test_rows_match_the_database(sim, web, browser):
    await populate(sim)
    page = await new_page(browser)
    await page.goto(f"{web}/{sim.guild.id}")
    shown = await rows(page)
    ranking = stored(sim)
    assert len(ranking) == MEMBERS and len(shown) == min(PER_PAGE, MEMBERS)
    expected = ranking[:len(shown)]
    for place, (row, (user_id, xp)) in enumerate(zip(shown, expected), start=1):
        assert row["user"] == str(user_id), f"row {place}"
        assert number(row["rank"]) == place
        assert number(row["xp"]) == xp
        assert number(row["level"]) == level_from_xp(xp)
        assert row["bar"]
        assert row["name"].strip() == sim.guild.get_member(user_id).display_name


async def test_paging_by_clicking_next_and_prev(sim, web, browser):
    await populate(sim)
    ranking = stored(sim)
    page = await new_page(browser)
    await page.goto(f"{web}/{sim.guild.id}")
    first = await rows(page)
    per_page = len(first)
    assert per_page < len(ranking), "the test needs more members than one page holds"
    assert await page.locator("a[rel=prev]").count() == 0
    await page.click("a[rel=next]")
    await page.wait_for_load_state()
    assert "page=2" in page.url
    second = await rows(page)
    assert [number(r["rank"]) for r in second] == list(range(per_page + 1, per_page + 1 + len(second)))
    assert [r["user"] for r in second] == [str(u) for u, _ in ranking[per_page:per_page + len(second)]]
    await page.click("a[rel=prev]")
    await page.wait_for_load_state()
    assert [r["user"] for r in await rows(page)] == [r["user"] for r in first]
    # the last page has no next link
    last = -(-len(ranking) // per_page)
    await page.goto(f"{web}/{sim.guild.id}?page={last}")
    assert await page.locator("a[rel=next]").count() == 0
    assert await page.locator("a[rel=prev]").count() == 1


async def test_a_script_nickname_shows_as_text_and_opens_no_dialog(sim, web, browser):
    made = await populate(sim, 12, hostile=True)
    hostile = made[0]
    assert hostile.display_name == HOSTILE
    page = await new_page(browser)
    dialogs = watch_dialogs(page)
    await page.goto(f"{web}/{sim.guild.id}")
    top = (await rows(page))[0]
    assert top["user"] == str(hostile.id)
    assert top["name"].strip() == HOSTILE  # the visitor reads the characters themselves
    assert await page.locator("li.row script").count() == 0
    await page.goto(f"{web}/{sim.guild.id}/{hostile.id}")
    assert HOSTILE in await page.inner_text("body")
    await page.wait_for_timeout(200)  # a script that did run would have opened its alert by now
    assert dialogs == []
    await screenshot(page, "member-hostile-name")


async def test_member_page_shows_the_card(sim, web, browser):
    made = await populate(sim, 5)
    page = await new_page(browser)
    response = await page.goto(f"{web}/{sim.guild.id}/{made[1].id}")
    assert response.status == 200
    card = page.locator("img.card")
    await card.wait_for()
    width = await card.evaluate("img => img.complete ? img.naturalWidth : new Promise(done => "
                                "img.addEventListener('load', () => done(img.naturalWidth)))")
    assert width > 0
    await screenshot(page, "member-desktop")


async def test_phone_width_has_no_horizontal_scroll(sim, web, browser):
    await populate(sim)
    page = await new_page(browser, viewport=PHONE)
    await page.goto(f"{web}/{sim.guild.id}")
    assert await page.locator("li.row").count() > 0
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px screen"
    await screenshot(page, "leaderboard-phone")
    member = sim.guild.get_member(int((await rows(page))[0]["user"]))
    await page.goto(f"{web}/{sim.guild.id}/{member.id}")
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the member page is {scroll} px wide in a {client} px screen"
    await screenshot(page, "member-phone")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_dark_and_light_schemes_both_render(sim, web, browser, viewport):
    await populate(sim, 20)
    page = await new_page(browser, viewport=viewport)
    await page.goto(f"{web}/{sim.guild.id}")
    colours = {}
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        colours[scheme] = await page.evaluate("""() => {
            const body = getComputedStyle(document.body);
            const row = getComputedStyle(document.querySelector('li.row .name'));
            return [body.backgroundColor, row.color];
        }""")
        await screenshot(page, f"leaderboard-{scheme}-{'phone' if viewport is PHONE else 'desktop'}")
    assert colours["light"][0] != colours["dark"][0], colours
    # the names stay readable: their colour differs from the background in both schemes
    for background, text in colours.values():
        assert background != text


async def test_readme_screenshots(sim, web, browser, clock, wall):
    """The README's pictures (copied by hand from build/screenshots/readme-*.png to docs/web/):
    a server with a real name, members named in many scripts, on a desktop in the dark and on a
    phone in the light; each checked to have no sideways scroll like any other page."""
    sim.guild.name = "Unicorn Lounge ✨"
    made = await populate(sim, 40)
    star = made[1]
    await chat_for_two_weeks(sim, clock, wall, star)
    for viewport, scheme, name in ((DESKTOP, "dark", "desktop-dark"), (PHONE, "light", "phone-light")):
        page = await new_page(browser, viewport=viewport, color_scheme=scheme)
        await page.goto(f"{web}/{sim.guild.id}")
        assert (await page.inner_text("h1")).strip() == sim.guild.name
        assert await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        await page.screenshot(path=str(await screenshot(page, f"readme-leaderboard-{name}")), full_page=False)
    page = await new_page(browser, viewport=PHONE, color_scheme="dark")
    await page.goto(f"{web}/{sim.guild.id}/{star.id}")
    await page.locator("img.card").wait_for()
    await page.screenshot(path=str(await screenshot(page, "readme-member-phone-dark")), full_page=False)


async def test_the_week_tab_shows_this_weeks_xp(sim, web, browser, clock):
    made = await populate(sim, 6)  # all-time XP from admins, none of it this week's
    for member, messages in zip(made[3:], (2, 5, 3)):
        for message in range(messages):
            clock.advance(61)  # past the per-message cooldown
            await sim.say(f"this week, message {message} from {member.name}", member)
    await sim.cog.xp.flush()
    sim.replies()
    week = db_rows(sim, "SELECT UserId, WeekXp FROM UserXpStats WHERE GuildId = ? AND WeekXp > 0 AND WeekNo = "
                        "(SELECT MAX(WeekNo) FROM UserXpStats WHERE GuildId = ?) ORDER BY WeekXp DESC",
                   (sim.guild.id, sim.guild.id))
    assert len(week) == 3
    page = await new_page(browser)
    await page.goto(f"{web}/{sim.guild.id}")
    await page.click("nav.tabs a[href$='period=week']")
    await page.wait_for_load_state()
    assert "period=week" in page.url
    shown = await rows(page)
    assert [(int(r["user"]), number(r["xp"])) for r in shown] == week
    assert [number(r["rank"]) for r in shown] == [1, 2, 3]
    await screenshot(page, "leaderboard-week")


async def test_a_private_member_is_hidden_and_keeps_their_rank(sim, web, browser):
    made = await populate(sim, 5)
    shy = made[1]
    await sim.command("level private true", shy)
    sim.replies()
    page = await new_page(browser)
    await page.goto(f"{web}/{sim.guild.id}")
    second = (await rows(page))[1]
    assert second["user"] == "hidden" and number(second["rank"]) == 2
    assert number(second["xp"]) == stored(sim)[1][1]
    assert shy.display_name not in await page.inner_text("body")
    assert await page.locator(f"a[href$='/{shy.id}']").count() == 0
    response = await page.goto(f"{web}/{sim.guild.id}/{shy.id}")
    assert response.status == 404


async def test_huge_numbers_and_long_names_fit_at_phone_width(sim, web, browser):
    """A member with more XP than anyone will have (13 digits) and the longest names stay inside
    their row on a phone, on the board and on the member's page."""
    from unicornia.db.store import GainRow

    made = await populate(sim, 20)
    await sim.cog.store.write_gains([GainRow(made[15].id, sim.guild.id, 9_999_999_999_999)])
    sim.cog.xp.cache.pop((sim.guild.id, made[15].id))
    page = await new_page(browser, viewport=PHONE)
    await page.goto(f"{web}/{sim.guild.id}")
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the page is {scroll} px wide in a {client} px screen"
    first = page.locator("li.row").first
    assert number(await first.locator(".xp").inner_text()) > 9_999_999_999_999  # their awarded XP too
    row_box, xp_box = await first.bounding_box(), await first.locator(".xp").bounding_box()
    assert xp_box["x"] + xp_box["width"] <= row_box["x"] + row_box["width"] + 0.5
    for row in await page.locator("li.row").all():
        name_box, box = await row.locator(".name").bounding_box(), await row.bounding_box()
        assert name_box["x"] + name_box["width"] <= box["x"] + box["width"] + 0.5
        level_box, xp_box = await row.locator(".level").bounding_box(), await row.locator(".xp").bounding_box()
        # the level's text ends before the XP's starts (its box clips what does not fit)
        assert level_box["x"] + level_box["width"] <= xp_box["x"] + 0.5
        assert await row.locator(".level").evaluate("e => e.scrollWidth <= e.clientWidth || "
                                                    "getComputedStyle(e).overflow === 'hidden'")
    await screenshot(page, "leaderboard-phone-huge")
    await page.goto(f"{web}/{sim.guild.id}/{made[15].id}")
    scroll, client = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"the member page is {scroll} px wide in a {client} px screen"
    await screenshot(page, "member-phone-huge")
