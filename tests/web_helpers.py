"""Starting the cog's web leaderboard inside a test bot, as its owner and an admin would."""
from __future__ import annotations


async def start_web(sim) -> str:
    """Enable the web server on a free port of 127.0.0.1, opt the test guild in, and return the
    base URL (``http://127.0.0.1:<port>``)."""
    await sim.command("unicornia web enable 127.0.0.1 0", sim.owner())
    await sim.command("unicornia guild web true", sim.owner())
    sim.replies()
    assert sim.cog.web.running, "the web server did not start"
    return f"http://127.0.0.1:{sim.cog.web.port}"
