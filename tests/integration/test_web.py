"""The web leaderboard over real HTTP: the server the cog starts inside the test bot, on
127.0.0.1, asked with aiohttp's client as a browser or another bot would."""
from __future__ import annotations

import asyncio
import logging
import socket
from html.parser import HTMLParser

import aiohttp
import pytest
from redbot.core import commands

from tests.conftest import db_rows, live, members, texts
from tests.web_helpers import start_web

DAY = 86_400


# --- helpers ---------------------------------------------------------------------------------
class Rows(HTMLParser):
    """The leaderboard's rows: data-user and the text of each classed part; the pager's links."""

    PARTS = ("rank", "name", "level", "xp")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.links: dict[str, str] = {}
        self.h1 = ""
        self._part = None
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "li" and "row" in classes:
            self.rows.append({"user": attrs.get("data-user"), "bar": None})
        elif self.rows and tag == "progress" and "bar" in classes:
            self.rows[-1]["bar"] = int(attrs["value"])
        elif self.rows and any(c in self.PARTS for c in classes):
            self._part = next(c for c in classes if c in self.PARTS)
        if tag == "a" and attrs.get("rel") in ("prev", "next"):
            self.links[attrs["rel"]] = attrs["href"]
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        self._part = None
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._part:
            self.rows[-1][self._part] = self.rows[-1].get(self._part, "") + data
        if self._in_h1:
            self.h1 += data


def parse(html: str) -> Rows:
    rows = Rows()
    rows.feed(html)
    return rows


async def get(base: str, path: str, **kwargs) -> tuple[int, str, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(base + path, allow_redirects=False, **kwargs) as response:
            return response.status, await response.text(), response.headers


async def get_json(base: str, path: str):
    async with aiohttp.ClientSession() as http:
        async with http.get(base + path) as response:
            assert response.status == 200, (path, response.status)
            return await response.json()


async def admin(sim, *lines: str) -> None:
    for line in lines:
        await sim.command(f"unicornia guild {line}", sim.owner())
    sim.replies()


async def give(sim, member, amount: int) -> None:
    await admin(sim, f"addxp {member.id} {amount}")


def board_from_db(sim) -> list[tuple[int, int]]:
    """(user id, XP) of the guild's current members with XP, best first (ties: lower id first)."""
    present = {m.id for m in sim.guild.members}
    rows = db_rows(sim, "SELECT UserId, Xp FROM UserXpStats WHERE GuildId = ? AND Xp > 0 ORDER BY Xp DESC, UserId",
                   (sim.guild.id,))
    return [(uid, xp) for uid, xp in rows if uid in present]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
async def forget_the_web_settings(sim):
    """Red's JSON Config backend keeps a cog's global data in memory for the whole process: a
    web server enabled here would start again in the next test's bot (of any file)."""
    yield
    if sim.cog is not None:
        for key in ("web_enabled", "web_host", "web_port", "web_url"):
            await sim.cog.config.get_attr(key).clear()


@pytest.fixture
async def web(sim):
    await admin(sim, "levelup messages false")
    return await start_web(sim)


# --- opt-ins ---------------------------------------------------------------------------------
async def test_pages_exist_only_for_opted_in_servers_and_every_other_id_gets_the_same_404(sim):
    await sim.command("unicornia web enable 127.0.0.1 0", sim.owner())
    sim.replies()
    base = f"http://127.0.0.1:{sim.cog.web.port}"
    alice = members(sim)[0]
    await give(sim, alice, 50)
    gid = sim.guild.id
    not_opted = await get(base, f"/{gid}")
    assert not_opted[0] == 404
    others = ["/123456789012345678", "/abc", "/1234", f"/{gid}0000", "/１２３４５６７８９０１２３４５６７",
              f"/{gid}/{alice.id}", f"/api/{gid}/leaderboard", f"/api/{gid}/members/{alice.id}", "/", "/nothing/here/at/all"]
    for path in others:
        status, body, headers = await get(base, path)
        assert (status, body, headers["Content-Type"]) == (404, not_opted[1], not_opted[2]["Content-Type"]), path
    await sim.command("unicornia guild web true", sim.owner())
    sim.replies()
    assert (await get(base, f"/{gid}"))[0] == 200
    assert (await get(base, f"/{gid}/{alice.id}"))[0] == 200
    await sim.command("unicornia guild web false", sim.owner())
    sim.replies()
    assert (await get(base, f"/{gid}"))[1:2] == not_opted[1:2]


async def test_owner_and_admin_commands_are_refused_to_members(sim):
    alice = members(sim)[0]
    for line in ("unicornia web", "unicornia web enable 127.0.0.1 0", "unicornia web disable",
                 "unicornia web url https://levels.example.org", "unicornia guild web true"):
        with pytest.raises(commands.CheckFailure):
            await sim.command(line, alice)
    assert not sim.cog.web.running
    assert not (await sim.cog.settings.get(sim.guild.id)).web


# --- the leaderboard -------------------------------------------------------------------------
async def test_rows_match_the_database_with_level_xp_and_bar(sim, web):
    alice, bob, carol = members(sim)[:3]
    for member, amount in ((alice, 40), (bob, 300), (carol, 1_250)):
        await give(sim, member, amount)
    status, html, _ = await get(web, f"/{sim.guild.id}")
    assert status == 200
    page = parse(html)
    assert page.h1 == sim.guild.name
    expected = board_from_db(sim)
    assert [int(r["user"]) for r in page.rows] == [uid for uid, _ in expected]
    curve = (await sim.cog.settings.get(sim.guild.id)).curve
    for rank, (row, (uid, xp)) in enumerate(zip(page.rows, expected), start=1):
        member = sim.guild.get_member(uid)
        where = curve.progress(xp)
        assert row["rank"] == f"#{rank}"
        assert row["name"] == member.display_name
        assert row["level"].split()[-1] == str(where.level)
        assert row["xp"].split()[0].replace(",", "") == str(xp)
        assert row["bar"] == where.into_level * 100 // where.needed
    assert "rel" not in html or not page.links  # one page: no pager


async def test_paging_and_bad_pages(sim, web):
    for i in range(30):
        sim.make_member(f"member{i:02d}")
    for i, member in enumerate(members(sim)[:30]):
        await give(sim, member, 10 + i)
    gid = sim.guild.id
    first = parse((await get(web, f"/{gid}"))[1])
    assert len(first.rows) == 25 and "prev" not in first.links
    second_status, second_html, _ = await get(web, first.links["next"])
    second = parse(second_html)
    assert second_status == 200 and "next" not in second.links and second.links["prev"].startswith(f"/{gid}")
    expected = board_from_db(sim)
    assert [int(r["user"]) for r in first.rows + second.rows] == [uid for uid, _ in expected]
    assert second.rows[0]["rank"] == "#26"
    assert (await get(web, f"/{gid}?page=2"))[1] == second_html
    assert (await get(web, f"/{gid}?page=3"))[0] == 404  # past the last page: not a silent page 1
    for bad in ("0", "-1", "abc", "101", "1.5", "", "９", "99999999999999999999", "1&page=2"):
        status, body, _ = await get(web, f"/{gid}?page={bad}")
        assert status == 400 and body == "Bad request.", bad
        assert (await get(web, f"/api/{gid}/leaderboard?page={bad}"))[0] == 400, bad
    assert (await get(web, f"/{gid}?period=year"))[0] == 400


async def test_names_are_escaped_and_no_script_reaches_the_page(sim, web):
    mallory = sim.make_member("<script>alert(1)</script>")
    await give(sim, mallory, 99)
    status, html, _ = await get(web, f"/{sim.guild.id}")
    assert status == 200
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert parse(html).rows[0]["name"] == "<script>alert(1)</script>"
    status, html, _ = await get(web, f"/{sim.guild.id}/{mallory.id}")
    assert status == 200 and "<script" not in html and "&lt;script&gt;" in html
    api = await get_json(web, f"/api/{sim.guild.id}/leaderboard")
    assert api["entries"][0]["name"] == "<script>alert(1)</script>"


async def test_a_private_member_keeps_their_rank_as_a_hidden_member(sim, web):
    alice, bob, carol = members(sim)[:3]
    for member, amount in ((alice, 100), (bob, 200), (carol, 50)):
        await give(sim, member, amount)
    await sim.command("level private true", bob)
    assert "hidden" in texts(sim)[0]
    gid = sim.guild.id
    html = (await get(web, f"/{gid}"))[1]
    rows = parse(html).rows
    assert [r["user"] for r in rows] == ["hidden", str(alice.id), str(carol.id)]
    assert rows[0]["rank"] == "#1" and rows[0]["name"] == "Hidden member"
    assert bob.display_name not in html and str(bob.id) not in html
    assert (await get(web, f"/{gid}/{bob.id}"))[0] == 404
    assert (await get(web, f"/{gid}/{bob.id}/card"))[0] == 404
    assert (await get(web, f"/api/{gid}/members/{bob.id}"))[0] == 404
    api = await get_json(web, f"/api/{gid}/leaderboard")
    assert api["entries"][0] == {"rank": 1, "hidden": True, "user_id": None, "name": None, "avatar": None,
                                 "level": api["entries"][0]["level"], "xp": 200}
    await sim.command("level private", bob)
    assert "You are hidden" in texts(sim)[0]
    await sim.command("level private false", bob)
    sim.replies()
    assert parse((await get(web, f"/{gid}"))[1]).rows[0]["user"] == str(bob.id)
    # Red's data deletion forgets the choice
    await sim.command("level private true", bob)
    sim.replies()
    await sim.cog.red_delete_data_for_user(requester="user", user_id=bob.id)
    assert not await sim.cog.web_privacy.is_private(gid, bob.id)
    assert await sim.cog.config.member(bob).web_private() is False


async def test_departed_members_are_not_listed(sim, web):
    alice, bob, carol = members(sim)[:3]
    for member, amount in ((alice, 100), (bob, 200), (carol, 50)):
        await give(sim, member, amount)
    sim.remove_member(bob)
    await asyncio.sleep(0)
    sim.cog.web.site.forget(sim.guild.id)  # or wait out the page cache's few seconds
    rows = parse((await get(web, f"/{sim.guild.id}"))[1]).rows
    assert [(r["user"], r["rank"]) for r in rows] == [(str(alice.id), "#1"), (str(carol.id), "#2")]
    assert (await get(web, f"/{sim.guild.id}/{bob.id}"))[0] == 404


async def test_weekly_and_monthly_boards_count_only_their_period(sim, web, clock, wall):
    alice, bob = members(sim)[:2]
    await admin(sim, "activity xpcap 0")

    async def earn(member, amount):
        await admin(sim, f"xppermessage {amount}")
        clock.advance(61)
        await sim.say(f"earning {amount} now, friends", member)
        await sim.cog.xp.flush()
        sim.replies()

    await earn(alice, 40)
    wall.advance(7 * DAY)  # next Monday: a new week, the same month
    await earn(bob, 10)
    sim.cog.web.site.forget(sim.guild.id)
    gid = sim.guild.id
    week = parse((await get(web, f"/{gid}?period=week"))[1])
    assert [(r["user"], r["xp"].split()[0]) for r in week.rows] == [(str(bob.id), "10")]
    month = parse((await get(web, f"/{gid}?period=month"))[1])
    assert [r["user"] for r in month.rows] == [str(alice.id), str(bob.id)]
    assert [r["bar"] for r in month.rows] == [100, 25]  # a share of the leader's XP
    api = await get_json(web, f"/api/{gid}/leaderboard?period=week")
    assert [e["xp"] for e in api["entries"]] == [10]
    member = await get_json(web, f"/api/{gid}/members/{alice.id}")
    assert (member["weekly_xp"], member["monthly_xp"], member["monthly_rank"]) == (0, 40, 1)


async def test_clubs_board(sim, web):
    alice, bob = members(sim)[:2]
    await give(sim, alice, 100)
    await give(sim, bob, 30)
    await sim.command("club create Night Owls", alice)
    await sim.command("club create <b>Larks</b>", bob)  # refused: no markup in names
    await sim.command("club create Larks", bob)
    sim.replies()
    html = (await get(web, f"/{sim.guild.id}/clubs"))[1]
    assert html.index("Night Owls") < html.index("Larks")
    assert (await get(web, f"/{sim.guild.id}/clubs?page=2"))[0] == 404


# --- the member page and the API -------------------------------------------------------------
async def test_member_page_card_chart_and_api_fields(sim, web):
    alice, bob = members(sim)[:2]
    await give(sim, alice, 500)
    await give(sim, bob, 900)
    gid = sim.guild.id
    status, html, _ = await get(web, f"/{gid}/{alice.id}")
    assert status == 200 and alice.display_name in html
    assert f'<img class="card" src="/{gid}/{alice.id}/card"' in html
    async with aiohttp.ClientSession() as http:
        for path in (f"/{gid}/{alice.id}/card", f"/{gid}/{alice.id}/xpstats"):
            async with http.get(web + path) as response:
                assert response.status == 200 and response.content_type == "image/png"
                assert (await response.read()).startswith(b"\x89PNG")
    data = await get_json(web, f"/api/{gid}/members/{alice.id}")
    stand = await live("systems.standing").standing(sim.cog.xp, sim.cog.store, gid, alice.id)
    assert data == {
        "guild_id": str(gid), "user_id": str(alice.id), "name": alice.display_name, "avatar": data["avatar"],
        "level": stand.progress.level, "xp": 500, "rank": 2, "ranked": 2,
        "xp_into_level": stand.progress.into_level, "xp_needed": stand.progress.needed,
        "weekly_xp": 0, "weekly_rank": None, "monthly_xp": 0, "monthly_rank": None,
    }
    assert data["avatar"].startswith("https://cdn.discordapp.com/")
    board = await get_json(web, f"/api/{gid}/leaderboard")
    assert board["page"] == 1 and board["per_page"] == 25 and board["has_next"] is False
    assert [(e["user_id"], e["xp"], e["rank"]) for e in board["entries"]] == [(str(bob.id), 900, 1), (str(alice.id), 500, 2)]
    assert (await get(web, f"/api/{gid}/members/12345678901234567"))[0] == 404


# --- safety ----------------------------------------------------------------------------------
async def test_security_headers_on_every_answer_and_no_cookies(sim, web):
    alice = members(sim)[0]
    await give(sim, alice, 10)
    gid = sim.guild.id
    async with aiohttp.ClientSession() as http:
        for method, path, status in (("GET", f"/{gid}", 200), ("HEAD", f"/{gid}", 200), ("GET", "/static/style.css", 200),
                                     ("GET", f"/api/{gid}/leaderboard", 200), ("GET", "/0", 404),
                                     ("GET", f"/{gid}?page=x", 400), ("POST", f"/{gid}", 405),
                                     ("DELETE", f"/api/{gid}/leaderboard", 405)):
            async with http.request(method, web + path) as response:
                assert response.status == status, (method, path)
                csp = response.headers["Content-Security-Policy"]
                assert "default-src 'self'" in csp and "img-src 'self' https://cdn.discordapp.com data:" in csp
                assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert response.headers["Referrer-Policy"] == "no-referrer"
                assert "Set-Cookie" not in response.headers
        assert not http.cookie_jar._cookies or not any(http.cookie_jar)
    html = (await get(web, f"/{gid}"))[1]
    assert "<script" not in html and "style=" not in html  # nothing inline the policy would block


async def test_rate_limit_answers_429_with_retry_after_and_keeps_bounded_memory(sim, web):
    limiter_class = live("web.guard").RateLimiter
    sim.cog.web.limiter = limiter_class(rate=0.5, burst=3, max_addresses=4)
    path = f"/{sim.guild.id}"
    statuses = [(await get(web, path))[0] for _ in range(3)]
    status, body, headers = await get(web, path)
    assert statuses == [200, 200, 200] and status == 429
    assert body == "Too many requests; slow down." and int(headers["Retry-After"]) >= 1
    # behind a local reverse proxy each client has its own bucket
    assert (await get(web, path, headers={"X-Forwarded-For": "203.0.113.7"}))[0] == 200
    for i in range(10):
        await get(web, path, headers={"X-Forwarded-For": f"198.51.100.{i}"})
    assert len(sim.cog.web.limiter) == 4


async def test_internal_errors_are_logged_and_answered_plainly(sim, web, caplog):
    data = sim.cog.web.site.data

    async def broken(*args, **kwargs):
        raise RuntimeError("secret database detail")

    data.board = broken
    status, body, headers = await get(web, f"/{sim.guild.id}")
    assert status == 500 and body == "Internal server error." and "secret" not in body
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert any("secret database detail" in (r.exc_text or str(r.exc_info)) and str(sim.guild.id) in r.getMessage()
               for r in caplog.records)


# --- the server's life -----------------------------------------------------------------------
async def test_a_port_in_use_is_told_and_changes_nothing(sim, web):
    running_port = sim.cog.web.port
    stored = await sim.cog.config.all()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        await sim.command(f"unicornia web enable 127.0.0.1 {port}", sim.owner())
        said = texts(sim)
    assert said == [f"Port {port} on 127.0.0.1 is already in use; nothing was changed."]
    assert sim.cog.web.port == running_port and await sim.cog.config.all() == stored
    assert (await get(web, f"/{sim.guild.id}"))[0] == 200


async def test_the_server_follows_the_cog_and_a_reload_frees_the_port(sim):
    port = free_port()
    await sim.command(f"unicornia web enable 127.0.0.1 {port}", sim.owner())
    await sim.command("unicornia guild web true", sim.owner())
    assert f"listening on http://127.0.0.1:{port}" in texts(sim)[0]
    base = f"http://127.0.0.1:{port}"
    assert (await get(base, f"/{sim.guild.id}"))[0] == 200
    await sim.command(f"unicornia web enable 127.0.0.1 {port}", sim.owner())  # again: it stays as it is
    assert texts(sim) == [f"The web leaderboard is listening on http://127.0.0.1:{port}."]
    await sim.reload_cog()  # the unload freed the port: the load binds it again
    assert sim.cog.web.running and sim.cog.web.port == port
    assert (await get(base, f"/{sim.guild.id}"))[0] == 200
    await sim.command("unicornia web disable", sim.owner())
    assert texts(sim) == ["The web leaderboard is off."]
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # free at once
    await sim.reload_cog()
    assert not sim.cog.web.running  # disabled stays disabled
    await sim.command(f"unicornia web enable 127.0.0.1 {port}", sim.owner())
    assert sim.cog.web.port == port
    for key in ("web_enabled", "web_port"):  # the next test's bot must not start it
        await sim.cog.config.get_attr(key).clear()
    await sim.unload_cog()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # free once the cog is gone


async def test_status_url_and_the_leaderboard_link(sim, web):
    alice = members(sim)[0]
    await give(sim, alice, 10)
    await sim.command("unicornia web", sim.owner())
    assert f"listening on {web}" in texts(sim)[0]
    await sim.command("level leaderboard", alice)
    assert f"{web}/{sim.guild.id}" in "\n".join(texts(sim))
    for bad in ("ftp://levels.example.org", "levels.example.org", "https://", "https://a b.org",
                "https://levels.example.org/?x=1", "https://user:pw@levels.example.org", "javascript:alert(1)"):
        await sim.command(f"unicornia web url {bad}", sim.owner())
        assert "nothing was changed" in texts(sim)[0], bad
    await sim.command("unicornia web url https://levels.example.org/", sim.owner())
    assert texts(sim) == ["Links now use https://levels.example.org."]
    await sim.command("level leaderboard", alice)
    assert f"https://levels.example.org/{sim.guild.id}" in "\n".join(texts(sim))
    await admin(sim, "web false")
    await sim.command("level leaderboard", alice)
    assert "example.org" not in "\n".join(texts(sim))


async def test_pages_speak_the_servers_language(sim, web):
    alice = members(sim)[0]
    await give(sim, alice, 10)
    await sim.command("set locale server de-DE", sim.owner())
    sim.replies()
    html = (await get(web, f"/{sim.guild.id}"))[1]
    assert '<html lang="de">' in html and "Diese Woche" in html


async def test_pages_past_the_end_are_refused_without_reading_the_board_again(sim, web):
    """A page past the last one reads the whole board to find that out; the count it learns
    refuses the next ones for as long as a page is cached, so a visitor asking page after page
    past the end cannot make every request such a read."""
    alice, bob = members(sim)[:2]
    await give(sim, alice, 50)
    await give(sim, bob, 40)
    store, reads = sim.cog.store, []
    real = store.leaderboard_chunk

    async def counted(*args, **kwargs):
        reads.append(args)
        return await real(*args, **kwargs)

    store.leaderboard_chunk = counted
    try:
        assert (await get(web, f"/{sim.guild.id}?page=7"))[0] == 404
        first = len(reads)
        for page in (8, 9, 40):
            assert (await get(web, f"/{sim.guild.id}?page={page}"))[0] == 404
        assert (await get(web, f"/api/{sim.guild.id}/leaderboard?page=9"))[0] == 404  # the API's board too
        assert first > 0 and len(reads) == first
        status, html, _ = await get(web, f"/{sim.guild.id}")  # page 1 still reads and shows them
        assert status == 200 and [row["name"] for row in parse(html).rows][:2] == [alice.display_name,
                                                                                   bob.display_name]
    finally:
        store.leaderboard_chunk = real


async def test_answers_name_no_server_software_and_malformed_requests_do_not_fill_the_log(sim, web, caplog):
    status, _, headers = await get(web, f"/{sim.guild.id}")
    assert status == 200 and headers["Server"] == "Unicornia"
    host, port = web.removeprefix("http://").split(":")
    with caplog.at_level(logging.DEBUG):
        for raw in (b"GET /<script> HTTP/9.9\r\n\r\n", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(raw)
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(4096), 5)
            writer.close()
            assert answer.startswith(b"HTTP/1.0 400")  # aiohttp's own refusal, before any of ours
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


async def test_a_made_up_forwarded_line_before_the_proxys_does_not_dodge_the_limit(sim, web):
    """Behind a proxy that adds its own X-Forwarded-For line (HAProxy's forwardfor), a client's own
    line comes first: the limit counts the proxy's, so 20 made-up addresses are one client."""
    from multidict import CIMultiDict

    sim.cog.web.limiter = type(sim.cog.web.limiter)(rate=0.1, burst=3)  # three requests, then wait
    statuses = []
    async with aiohttp.ClientSession() as http:
        for n in range(20):
            headers = CIMultiDict([("X-Forwarded-For", f"10.9.{n}.1"), ("X-Forwarded-For", "203.0.113.50")])
            async with http.get(f"{web}/{sim.guild.id}?page={n + 1}", headers=headers) as response:
                statuses.append(response.status)
    assert 429 in statuses, statuses
