"""``make demo``: a scripted day of a guild, replayed against a real Red bot on a simulated Discord."""
