"""A real Red bot on a simulated Discord, for the tests and the offline demo.

Red's own bot class, Config, bank and cog loader run unchanged; only the gateway
and the REST API are dpytest's fakes.  See ``shared/red-testing.md`` for why
each step below is needed.
"""
