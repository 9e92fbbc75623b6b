"""What a bad file, an unload in mid-command or a deletion request may and may not do, through
Red's own loader and commands (issue #13's defects, each with its test)."""
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.unit.test_db_identity import foreign_database, snapshot, unicornia_database
from unicornia.db.schema import SCHEMA_VERSION


def cog_folder(red) -> Path:
    """Where Red keeps Unicornia's data (``cog_data_path``): <data>/cogs/Unicornia."""
    from redbot.core import data_manager

    return data_manager.core_data_path().parent / "cogs" / "Unicornia"


def database_files(folder: Path) -> dict[str, str]:
    """The database and any -wal/-shm beside it, with hashes of their bytes (Red's Config writes
    its own settings.json in the same folder)."""
    return {name: digest for name, digest in snapshot(folder).items() if name.startswith("unicornia.db")}


async def load_reply(red) -> str:
    await red.command(f"addpath {REPO_ROOT}", red.owner())
    red.replies()
    await red.command("load unicornia", red.owner())
    return "\n".join(m.content for m in red.replies())


async def test_another_programs_database_stops_the_load_and_stays_as_it_was(red):
    folder = cog_folder(red)
    folder.mkdir(parents=True)
    foreign_database(folder / "unicornia.db", wal=True)
    before = database_files(folder)
    said = await load_reply(red)
    assert red.cog is None
    assert "another program's SQLite database" in said and str(folder / "unicornia.db") in said, said
    assert "move the file elsewhere" in said
    assert database_files(folder) == before
    # the owner moves it away: the next load starts a new database
    (folder / "unicornia.db").rename(folder / "diary.db")
    await red.command("load unicornia", red.owner())
    assert red.cog is not None


async def test_a_newer_unicornias_database_stops_the_load_before_a_byte_is_written(red):
    folder = cog_folder(red)
    folder.mkdir(parents=True)
    await unicornia_database(folder / "unicornia.db", schema=SCHEMA_VERSION + 3)
    before = database_files(folder)
    said = await load_reply(red)
    assert red.cog is None and "written by a newer Unicornia" in said and "update the cog" in said, said
    assert database_files(folder) == before and not (folder / "unicornia.db-wal").exists()
