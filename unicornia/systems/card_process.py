"""What a card drawing process runs first: :class:`~.card_generator.CardGenerator` starts each one
with ``runpy.run_path`` on this file, because a fresh process cannot import the package by name
(Red loads cogs from its own folder, which is not on ``sys.path``).

It registers the package without running its ``__init__`` (that loads the cog, Red and
discord.py: about 40 MB per process that drawing never uses), imports the card generator and
sets up this process's renderer. Ctrl+C is left to the bot, which closes the pool as it unloads.
"""
import importlib
import signal
import sys
import types


def start(package: str, package_dir: str, settings: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if package not in sys.modules:
        stub = types.ModuleType(package)
        stub.__path__ = [package_dir]
        sys.modules[package] = stub
    generator = importlib.import_module(f"{package}.systems.card_generator")
    generator.start_drawing_process(*settings)


if __name__ == "__unicornia_card_process__":
    start(PACKAGE, PACKAGE_DIR, SETTINGS)  # noqa: F821 (runpy.run_path's init_globals)
