"""8. The web leaderboard of a 1,000,000-member server: one page, and 200 requests a second.

The store holds 1,000,000 members written through the real flush (``XpStore.write_buffer``, in
100,000-member batches, as benchmarks/periods.py fills its week).  The cog's own ``WebServer``
serves it on 127.0.0.1 through the real aiohttp stack; the guild it reads is a light stand-in
(:class:`_Guild`) with the calls a page makes of a ``discord.Guild`` -- ``get_member`` is a dict
look-up there as it is in discord.py, so a page pays what it pays on a real bot.

- A page: GET ``/<guild>?page=N`` over HTTP for the first, a middle and the deepest page, each
  fetched fresh (the server's cached answer dropped first) and again from the cache.  Baseline
  in the same run, through the same client: a bare aiohttp handler that reads the same rows
  straight from the store (one bare SELECT down to the page on the store's thread, departed
  members skipped as on the page) and answers them as plain text.  The issue's 20 ms target is
  stated beside the ratio (an absolute time is not an honest goal on a shared machine; see
  common.py).
- Load: a separate process (this module run as ``python -m benchmarks.web load ...``) sends 200
  requests a second for 10 s, open loop (on a schedule, not waiting for answers), each request
  with its own X-Forwarded-For as a reverse proxy in front of the bot sends (so the per-address
  rate limit sees 2,000 visitors, not one).  Two mixes: visitors (page N about 1/N as often as
  page 1, a quarter of it the JSON API) and every page in turn (all 100 pages and their JSON:
  the page cache's worst case).  A StallProbe in the server's loop measures its longest stall:
  goal under 10 ms.  The floor in the same run: the same requests to a bare aiohttp handler
  answering a body of the page's size.  The note counts the server's garbage collections during
  the load and the longest (gc.callbacks), so a stall the collector causes is told from the web's.
- A report: one full garbage collection with a million members as objects, which any bot that
  caches such a guild pays now and then, web or not.
"""
from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import discord
from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from unicornia.core.settings import DEFAULT_SETTINGS
from unicornia.db import statements as sql
from unicornia.db.store import XpStore
from unicornia.systems.gate import OpenGate
from unicornia.systems.xp import Gain, XpSystem
from unicornia.web import WebServer
from unicornia.web.data import PER_PAGE, WebData
from unicornia.web.site import PAGE_TTL, WebSite

from .common import GUILD, REPORT, Figure, StallProbe, ratio_figure, stall_figure
from .common import member_id as _user

MEMBERS = 1_000_000
BATCH = 100_000
PAGES = (1, 50, 100)
ROUNDS = 15
#: A page may cost this many times the bare handler that reads the same rows (templates, names,
#: safety headers, the rate limit).
PAGE_LIMIT = 3
#: The issue's target for a page, stated beside the ratio.
PAGE_TARGET_MS = 20
#: The load: requests a second, for how long, from how many distinct client addresses.
RATE = 200
SECONDS = 10
CLIENTS = 2_000
STALL_LIMIT_MS = 10
ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ["Алексей", "さくら", "محمد", "Zoë", "李明", "김민수", "Ωμέγα", "नेहा", "Søren", "🦄Uni"]


# --- what the server reads: a guild of 1,000,000 members and the cog's services ---------------
class _Member:
    """What a page reads of a ``discord.Member``: id, display name, avatar (a real ``discord.Asset``,
    whose ``replace(...).url`` the page calls), bot flag, guild."""

    __slots__ = ("id", "display_name", "_avatar", "guild")
    bot = False

    def __init__(self, user_id: int, name: str, guild: "_Guild") -> None:
        self.id, self.display_name, self.guild = user_id, name, guild
        self._avatar = f"{user_id % 0xFFFFFFFF:032x}"

    @property
    def display_avatar(self) -> discord.Asset:
        return discord.Asset._from_avatar(None, self.id, self._avatar)


class _Guild:
    """A ``discord.Guild``'s reads as a page makes them.  One member in twenty has left (their XP
    stays, the board skips them).

    ``get_member`` is a dict look-up, as in discord.py.  The members are kept as plain names, which
    Python's garbage collector does not track, and a member object is made the first time one is
    asked for, then kept: a real bot's million Member objects make every full collection long
    (see ``_full_collection``), web or not, and the fake must not add such pauses of its own to
    the web's figure, nor build an object per look-up that discord.py does not build."""

    id = GUILD
    name = "Big Server"
    icon = None
    preferred_locale = "en-US"

    def __init__(self, members: int) -> None:
        self._names = {_user(n): f"{SCRIPTS[n % len(SCRIPTS)]} {n}" for n in range(members) if n % 20 != 7}
        self._members: dict[int, _Member] = {}
        self.member_count = len(self._names)

    def get_member(self, user_id: int):
        member = self._members.get(user_id)
        if member is None:
            name = self._names.get(user_id)
            if name is None:
                return None
            member = self._members[user_id] = _Member(user_id, name, self)
        return member


def _full_collection(guild: _Guild) -> float:
    """Seconds one full garbage collection takes while the guild's members are objects, as a real
    bot's cache holds them (Python runs such a collection now and then, whatever the loop does)."""
    members = [_Member(user_id, name, guild) for user_id, name in guild._names.items()]
    try:
        start = time.perf_counter()
        gc.collect()
        return time.perf_counter() - start
    finally:
        del members


class _Locales:
    """Red's locale cache as the bot has it warm (a dict read in Red too)."""

    async def get_locale(self, guild) -> str:
        return "en-US"

    async def get_regional_format(self, guild) -> str:
        return "en-US"


class _Bot:
    def __init__(self, guild: _Guild) -> None:
        self._guild = guild
        self._i18n_cache = _Locales()

    def get_guild(self, guild_id: int):
        return self._guild if guild_id == self._guild.id else None


class _Settings:
    """The guild's settings as SettingsCache holds them once built: opted in to the web."""

    def __init__(self) -> None:
        self.loaded = {GUILD: dataclasses.replace(DEFAULT_SETTINGS, web=True)}

    async def get(self, guild_id: int):
        return self.loaded.get(guild_id) or DEFAULT_SETTINGS

    def listen(self, invalidated) -> None:
        pass


class _Privacy:
    """WebPrivacy's per-guild set, as it is once read from Config: nobody hidden."""

    async def private_in(self, guild_id: int) -> frozenset:
        return frozenset()

    async def is_private(self, guild_id: int, user_id: int) -> bool:
        return False


class _Cog:
    """The cog's parts a page uses: the real store and XP engine, Red's reads stood in for."""

    def __init__(self, store: XpStore, guild: _Guild) -> None:
        self.bot = _Bot(guild)
        self.store = store
        self.settings = _Settings()
        self.gate = OpenGate()

        async def nothing(*args, **kwargs):
            return None

        self.xp = XpSystem(None, store, self.settings, on_level_up=nothing, gate=self.gate)


async def _filled_store(path: Path, rng: random.Random) -> XpStore:
    """1,000,000 members' XP written through the real flush, 100,000 at a time."""
    store = XpStore(path)
    await store.open()
    for start in range(0, MEMBERS, BATCH):
        snapshot = {}
        for number in range(start, min(start + BATCH, MEMBERS)):
            gain = Gain()
            gain.xp = int(rng.paretovariate(1.2) * 50)
            gain.messages = max(1, gain.xp // 20)
            snapshot[(GUILD, _user(number))] = gain
        await store.write_buffer(snapshot)
    return store


# --- bare aiohttp: the baselines ----------------------------------------------------------------
async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """``app`` on 127.0.0.1 at a free port: (its runner, its base URL)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


def _bare_app(body: bytes, store=None, guild=None) -> web.Application:
    """Answers every GET with ``body`` (the load's floor).  With a store, ``/rows/<page>`` is the
    page's baseline: the same rows straight from the store -- one bare SELECT of every row down to
    the page on the store's thread, the current members kept (a departed member's row is read and
    skipped, as on the page), that page's rows answered as plain text."""
    async def fixed(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/html")

    async def rows(request: web.Request) -> web.Response:
        page = int(request.match_info["page"])
        conn, loop = store.conn, asyncio.get_running_loop()
        found = await loop.run_in_executor(store._executor, lambda: conn.execute(
            sql.TOP_FIRST, (GUILD, (page * PER_PAGE + 1) * 11 // 10)).fetchall())  # 1 in 20 has left
        kept = [(user, xp) for user, xp in found if guild.get_member(user) is not None]
        shown = kept[(page - 1) * PER_PAGE:page * PER_PAGE]
        return web.Response(text="\n".join(f"{user} {xp}" for user, xp in shown))

    app = web.Application()
    if store is not None:
        app.router.add_get("/rows/{page}", rows)
    app.router.add_get("/{tail:.*}", fixed)
    return app


# --- the scenario -------------------------------------------------------------------------------
async def run() -> list[Figure]:
    rng = random.Random(31)
    with tempfile.TemporaryDirectory() as folder:
        store = await _filled_store(Path(folder) / "unicornia.db", rng)
        try:
            guild = _Guild(MEMBERS)
            cog = _Cog(store, guild)
            site = WebSite(cog, WebData(cog, _Privacy()), ROOT / "unicornia" / "data" / "web")
            server = WebServer(site)
            await server.start("127.0.0.1", 0)
            bare, bare_base = await _serve(_bare_app(b"", store, guild))
            try:
                figures = await _measure(server, bare_base)
            finally:
                await server.stop()
                await bare.cleanup()
        finally:
            await store.close()
    collection = _full_collection(guild)
    figures.append(Figure(f"web: one full garbage collection with {MEMBERS:,} members cached (any bot, web or not)",
                          round(collection * 1000, 1), "ms", "report", True, kind=REPORT,
                          note="Python runs one now and then in any process this large: a stall the web "
                               "neither causes nor can avoid (the fake guild keeps its members untracked, so the load's stall is the web's own)"))
    return figures


def _visitor(i: int) -> dict:
    """The headers a local reverse proxy adds for visitor ``i`` (one of ``CLIENTS``)."""
    n = i % CLIENTS
    return {"X-Forwarded-For": f"10.{n // 250 // 256}.{n // 250 % 256}.{n % 250 + 1}"}


async def _fetch(session: ClientSession, url: str, i: int) -> tuple[float, bytes]:
    start = time.perf_counter()
    async with session.get(url, headers=_visitor(i)) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered {response.status}")
    return time.perf_counter() - start, body


async def _measure(server: WebServer, bare_base: str) -> list[Figure]:
    base = server.address
    samples = {(kind, page): [] for kind in ("bare", "fresh", "warm") for page in PAGES}
    sizes = {}
    async with ClientSession() as session:
        for page in PAGES:  # once each first: connections open, templates compiled
            await _fetch(session, f"{base}/{GUILD}?page={page}", 0)
            await _fetch(session, f"{bare_base}/rows/{page}", 0)
        i = 1
        for _ in range(ROUNDS):
            for page in PAGES:
                samples["bare", page].append((await _fetch(session, f"{bare_base}/rows/{page}", i))[0])
                server.site.forget(GUILD)  # the page's cached answer is never read again: read anew
                took, body = await _fetch(session, f"{base}/{GUILD}?page={page}", i + 1)
                samples["fresh", page].append(took)
                sizes[page] = len(body)
                samples["warm", page].append((await _fetch(session, f"{base}/{GUILD}?page={page}", i + 2))[0])
                i += 3
    med = {key: statistics.median(values) * 1000 for key, values in samples.items()}
    worst = {key: max(values) * 1000 for key, values in samples.items()}
    slowest = max(PAGES, key=lambda page: med["fresh", page] / med["bare", page])
    under = max(worst["fresh", page] for page in PAGES) < PAGE_TARGET_MS
    page_note = ("; ".join(f"page {page}: fresh {med['fresh', page]:.2f} ms (worst {worst['fresh', page]:.2f}), "
                           f"cached {med['warm', page]:.2f}, bare {med['bare', page]:.2f}" for page in PAGES)
                 + f"; every fresh page under {PAGE_TARGET_MS} ms: {'yes' if under else 'NO'}"
                 + f"; {sizes[slowest]:,} bytes of HTML; over HTTP on 127.0.0.1, client in the same loop")

    rng = random.Random(7)
    mixes = {"visitors": _visitors_mix(rng), "every page in turn": _every_page()}
    loads = {}
    for name, paths in mixes.items():
        loads[name] = await _load_from_process(base, paths)
        floor_runner, floor_base = await _serve(_bare_app(b"x" * sizes[max(PAGES)]))
        try:
            loads[name] += await _load_from_process(floor_base, paths)
        finally:
            await floor_runner.cleanup()
    return [
        ratio_figure(f"web: a leaderboard page of {MEMBERS:,} members, read fresh (slowest of pages {', '.join(map(str, PAGES))})",
                     med["fresh", slowest], med["bare", slowest], PAGE_LIMIT, unit="ms",
                     against="a bare handler reading the same rows (one SELECT, current members kept)", baseline_name="bare handler (ms)",
                     worst=worst["fresh", slowest], note=page_note, digits=2),
        Figure(f"web: the same page served from its {PAGE_TTL:g} s cache (slowest of the three)",
               round(max(med["warm", page] for page in PAGES), 2), "ms", "report", True, kind=REPORT,
               worst=round(max(worst["warm", page] for page in PAGES), 2),
               baseline=round(med["bare", slowest], 2), baseline_name="bare handler (ms)"),
    ] + [figure for name in mixes for figure in _load_figures(name, *loads[name])]


def _visitors_mix(rng: random.Random) -> list[str]:
    """What visitors ask for: page N about 1/N as often as page 1, one request in four the JSON API."""
    weights = [1 / page for page in range(1, 101)]
    pages = rng.choices(range(1, 101), weights, k=RATE * int(SECONDS))
    return [f"/api/{GUILD}/leaderboard?page={page}" if rng.random() < 0.25 else f"/{GUILD}?page={page}"
            for page in pages]


def _every_page() -> list[str]:
    """The worst case for the page cache: all 100 pages and their JSON in turn, each read anew
    every time its cached answer has expired."""
    return [path for page in range(1, 101) for path in (f"/{GUILD}?page={page}", f"/api/{GUILD}/leaderboard?page={page}")]


def _load_figures(name: str, load: dict, stall: float, floor: dict, floor_stall: float) -> list[Figure]:
    answered = load["statuses"].get("200", 0)
    note = (f"floor (the same requests to a bare aiohttp handler, this run): {floor_stall * 1000:.2f} ms; "
            f"{load['sent']:,} requests sent in {load['sent_in_s']} s, each page cached {PAGE_TTL:g} s; answers: "
            f"median {load['median_ms']} ms, p99 {load['p99_ms']} ms, max {load['max_ms']} ms "
            f"(floor {floor['median_ms']} / {floor['p99_ms']} / {floor['max_ms']} ms); "
            f"garbage collection in the server during the load: {load['gc']}")
    return [
        stall_figure(f"web, {name}: the loop's longest stall at {RATE} requests a second for {SECONDS} s",
                     stall, STALL_LIMIT_MS, note=note),
        Figure(f"web, {name}: requests answered 200", answered, "requests", f">= {load['sent']}",
               answered >= load["sent"], kind="bound", limit=load["sent"],
               note=f"statuses {load['statuses']}; {CLIENTS:,} visitors behind a local proxy (X-Forwarded-For)"),
    ]


# --- the load generator (its own process) ------------------------------------------------------
async def _load(base: str, paths: list[str], rate: float, seconds: float, clients: int) -> dict:
    """Send ``rate`` requests a second for ``seconds``, on a fixed schedule whatever the answers
    take (open loop), cycling through ``paths``; each request comes from one of ``clients``
    addresses as a reverse proxy reports it.  Returns counts and latencies (ms)."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    late = 0.0
    total = int(rate * seconds)
    connector = TCPConnector(limit=256)
    async with ClientSession(base, connector=connector, timeout=ClientTimeout(total=30)) as session:
        async def one(i: int) -> None:
            headers = {"X-Forwarded-For": f"10.{(i % clients) // 250 // 256}.{(i % clients) // 250 % 256}."
                                          f"{(i % clients) % 250 + 1}"}
            start = time.perf_counter()
            try:
                async with session.get(paths[i % len(paths)], headers=headers) as response:
                    await response.read()
                    key = str(response.status)
            except Exception as exc:  # counted, never fatal: a refused request is a result
                key = type(exc).__name__
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[key] = statuses.get(key, 0) + 1

        tasks = []
        began = time.perf_counter()
        for i in range(total):
            due = began + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                late = max(late, -wait)
            tasks.append(asyncio.create_task(one(i)))
        sent_in = time.perf_counter() - began
        await asyncio.gather(*tasks)
    latencies.sort()
    return {"sent": total, "sent_in_s": round(sent_in, 3), "statuses": statuses,
            "latest_send_ms": round(late * 1000, 2),
            "median_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
            "max_ms": round(latencies[-1], 2)}


async def _load_from_process(base: str, paths: list[str]) -> tuple[dict, float]:
    """Run the load generator in its own process while a StallProbe watches this loop:
    (the generator's report, the loop's longest stall in seconds)."""
    gc.collect()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.web", "load", base, str(RATE), str(SECONDS), str(CLIENTS),
        cwd=str(ROOT), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    collections = _Collections()
    gc.callbacks.append(collections)
    try:
        async with StallProbe() as probe:
            out, _ = await process.communicate(json.dumps(paths).encode())
    finally:
        gc.callbacks.remove(collections)
    if process.returncode != 0:
        raise RuntimeError(f"the load generator failed ({process.returncode})")
    report = json.loads(out)
    report["gc"] = collections.summary()
    return report, probe.longest


class _Collections:
    """A ``gc.callbacks`` entry: how many collections ran and the longest, to tell a stall the
    garbage collector caused from the web's own."""

    def __init__(self) -> None:
        self.count = 0
        self.longest = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.longest = max(self.longest, time.perf_counter() - self._started)

    def summary(self) -> str:
        return f"{self.count} collections, longest {self.longest * 1000:.2f} ms"


def main(argv: list[str]) -> int:
    """``python -m benchmarks.web load <base URL> <rate> <seconds> <clients>``, the paths to request
    (in turn) as a JSON list on standard input."""
    if len(argv) != 5 or argv[0] != "load":
        print(main.__doc__, file=sys.stderr)
        return 2
    _, base, rate, seconds, clients = argv
    paths = json.loads(sys.stdin.read())
    report = asyncio.run(_load(base, paths, float(rate), float(seconds), int(clients)))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
