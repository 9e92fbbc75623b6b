"""``make bench``: Unicornia's performance figures, each against a baseline measured in the same run."""
