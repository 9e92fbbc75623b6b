"""Systems: the stateful services the cog wires together (XP engine, rewards, settings cache)."""
