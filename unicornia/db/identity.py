"""Whose file is this? Telling Unicornia's database from anything else before writing a byte.

Unicornia marks every database it creates with ``PRAGMA application_id`` (:data:`APPLICATION_ID`).
Before the store opens a file for writing (which switches it to WAL, runs migrations, and so on),
:func:`inspect_database` reads the file's 100-byte SQLite header with plain file reads and, when
the header alone cannot tell, lists its tables through an immutable read-only connection, which
takes no locks and creates no ``-wal`` or ``-shm`` file. A file that is neither empty, nor
Unicornia's, nor from before the mark existed is refused and left exactly as it was.
"""
from __future__ import annotations

import enum
import sqlite3
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

#: "Unic" in ASCII: the ``application_id`` in the header of every database Unicornia creates.
APPLICATION_ID = 0x556E6963
#: Tables every Unicornia database has had since its first migration (files made before the
#: application id was written are recognised by them, with a user_version, which NadekoBot's
#: files leave at 0).
OWN_TABLES = frozenset({"UserXpStats", "XpShopOwnedItem"})

HEADER_SIZE = 100
SQLITE_MAGIC = b"SQLite format 3\x00"
USER_VERSION_OFFSET = 60
APPLICATION_ID_OFFSET = 68


class Kind(enum.Enum):
    NEW = "new"  # no file, an empty file, or an SQLite file with no tables: ours to set up
    OURS = "ours"  # marked with our application id, or an unmarked file with our tables
    FOREIGN = "foreign"  # another program's SQLite database
    NOT_SQLITE = "not sqlite"  # not an SQLite database at all


@dataclass(frozen=True)
class FileIdentity:
    kind: Kind
    user_version: int = 0
    application_id: int = 0
    marked: bool = False  # the header carries APPLICATION_ID


def _header(path: Path) -> bytes:
    with open(path, "rb") as file:
        return file.read(HEADER_SIZE)


def _tables(path: Path) -> set[str]:
    """The table names in the file's schema, read without writing anything (no lock, no -wal)."""
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def inspect_database(path: Path) -> FileIdentity:
    """What the file at ``path`` is, read without changing it."""
    if not path.exists() or path.stat().st_size == 0:
        return FileIdentity(Kind.NEW)
    header = _header(path)
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        return FileIdentity(Kind.NOT_SQLITE)
    user_version = int.from_bytes(header[USER_VERSION_OFFSET:USER_VERSION_OFFSET + 4], "big", signed=True)
    application_id = int.from_bytes(header[APPLICATION_ID_OFFSET:APPLICATION_ID_OFFSET + 4], "big", signed=True)
    if application_id == APPLICATION_ID:
        return FileIdentity(Kind.OURS, user_version, application_id, marked=True)
    if application_id != 0:  # another program marked it as its own
        return FileIdentity(Kind.FOREIGN, user_version, application_id)
    try:
        tables = _tables(path)
    except sqlite3.DatabaseError:
        return FileIdentity(Kind.NOT_SQLITE, user_version, application_id)
    if not tables and user_version == 0:
        return FileIdentity(Kind.NEW)
    if OWN_TABLES <= tables and user_version > 0:  # made before the mark: adopt it and mark it
        return FileIdentity(Kind.OURS, user_version, application_id)
    return FileIdentity(Kind.FOREIGN, user_version, application_id)
