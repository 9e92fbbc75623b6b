"""Telling Unicornia's database file from anything else, before a byte of it is written."""
import hashlib
import sqlite3
from pathlib import Path

import pytest

from unicornia.db.identity import APPLICATION_ID, Kind, inspect_database
from unicornia.db.schema import SCHEMA_VERSION
from unicornia.db.store import NotOurDatabase, SchemaTooNew, XpStore


def snapshot(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with a hash of its bytes."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def foreign_database(path: Path, *, wal: bool = False) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('my diary')")
    conn.commit()
    conn.close()


async def unicornia_database(path: Path, *, schema: int = SCHEMA_VERSION, marked: bool = True) -> None:
    """A real Unicornia file (left in rollback-journal mode, so a switch to WAL would show)."""
    store = XpStore(path)
    await store.open()
    await store.award(1, 2, 50)
    await store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {schema}")
    if not marked:
        conn.execute("PRAGMA application_id = 0")
    conn.close()


async def test_a_new_file_is_marked_as_unicornias(tmp_path):
    path = tmp_path / "unicornia.db"
    store = XpStore(path)
    await store.open()
    await store.close()
    identity = inspect_database(path)
    assert identity.kind is Kind.OURS and identity.marked and identity.user_version == SCHEMA_VERSION
    assert sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


async def test_an_empty_file_and_an_empty_database_are_set_up(tmp_path):
    (tmp_path / "a.db").touch()
    sqlite3.connect(tmp_path / "b.db").execute("PRAGMA page_size = 4096").connection.execute("VACUUM")
    for name in ("a.db", "b.db"):
        assert inspect_database(tmp_path / name).kind is Kind.NEW
        store = XpStore(tmp_path / name)
        await store.open()
        await store.award(1, 2, 5)
        await store.close()
        assert inspect_database(tmp_path / name).marked


async def test_a_file_from_before_the_mark_is_adopted_and_marked(tmp_path):
    path = tmp_path / "unicornia.db"
    await unicornia_database(path, marked=False)
    assert inspect_database(path).kind is Kind.OURS and not inspect_database(path).marked
    store = XpStore(path)
    await store.open()
    assert (await store.member(1, 2)).xp == 50
    await store.close()
    assert inspect_database(path).marked


@pytest.mark.parametrize("wal", [False, True])
async def test_another_programs_database_is_refused_untouched(tmp_path, wal):
    path = tmp_path / "unicornia.db"
    foreign_database(path, wal=wal)
    before = snapshot(tmp_path)
    store = XpStore(path)
    with pytest.raises(NotOurDatabase, match=r"another program's SQLite database.*left it untouched"):
        await store.open()
    await store.close()
    assert snapshot(tmp_path) == before


async def test_a_file_marked_by_another_program_is_refused(tmp_path):
    path = tmp_path / "unicornia.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE UserXpStats (x)")  # even with a table of the same name
    conn.close()
    assert inspect_database(path).kind is Kind.FOREIGN


async def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path):
    path = tmp_path / "unicornia.db"
    path.write_bytes(b"this is my shopping list\n" * 20)
    before = snapshot(tmp_path)
    store = XpStore(path)
    with pytest.raises(NotOurDatabase, match="not an SQLite database"):
        await store.open()
    await store.close()
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("marked", [True, False])
async def test_a_newer_unicornias_file_is_refused_before_anything_is_written(tmp_path, marked):
    path = tmp_path / "unicornia.db"
    await unicornia_database(path, schema=SCHEMA_VERSION + 1, marked=marked)
    before = snapshot(tmp_path)
    assert path.read_bytes()[18] == 1  # rollback journal: a switch to WAL would make it 2
    store = XpStore(path)
    with pytest.raises(SchemaTooNew, match=rf"newer Unicornia \(schema {SCHEMA_VERSION + 1}.*update the cog"):
        await store.open()
    await store.close()
    assert snapshot(tmp_path) == before  # no -wal, no -shm, header unchanged
