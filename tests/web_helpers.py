"""Starting the cog's web leaderboard inside a test bot, as its owner and an admin would."""
from __future__ import annotations


async def start_web(sim) -> str:
    """Enable the web server on a free port of 127.0.0.1, opt the test guild in, and return the
    base URL (``http://127.0.0.1:<port>``).

    The server runs until the bot closes, but the stored "enabled" switch is cleared again at
    once: Red's JSON Config keeps a cog's global settings in memory for the whole test process,
    and every later test's bot would otherwise start a server of its own when it loads the cog.
    (A test of the switch itself uses the commands directly.)"""
    await sim.command("unicornia web enable 127.0.0.1 0", sim.owner())
    await sim.command("unicornia guild web true", sim.owner())
    sim.replies()
    assert sim.cog.web.running, "the web server did not start"
    for key in ("web_enabled", "web_host", "web_port"):
        await sim.cog.config.get_attr(key).clear()
    return f"http://127.0.0.1:{sim.cog.web.port}"
