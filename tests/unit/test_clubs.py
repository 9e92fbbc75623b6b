"""Club rules that need no bot: names, icon links, echoing input, and the store's club queries."""
import sqlite3

import pytest

from tests.unit.test_store import store  # noqa: F401  (the fixture: a fresh store in tmp_path)
from unicornia.db.store import GainRow
from unicornia.systems.clubs import (
    MAX_NAME_LENGTH, ClubError, clean_club_name, clean_icon_url, echo, name_key, page_count,
)


def refusal(func, raw: str) -> str:
    with pytest.raises(ClubError) as refused:
        func(raw)
    return str(refused.value)


@pytest.mark.parametrize("raw, expected", [
    ("Night Owls", "Night Owls"),
    ("  Night   Owls  ", "Night Owls"),
    ("x" * MAX_NAME_LENGTH, "x" * MAX_NAME_LENGTH),
    ("Team #1", "Team #1"),
    ("Café Club", "Café Club"),
    ("\N{UNICORN FACE} Unicorns", "\N{UNICORN FACE} Unicorns"),
    ("\N{MAN}\N{ZERO WIDTH JOINER}\N{WOMAN}", "\N{MAN}\N{ZERO WIDTH JOINER}\N{WOMAN}"),  # emoji sequence
])
def test_good_names_are_kept_tidied(raw, expected):
    assert clean_club_name(raw) == expected


@pytest.mark.parametrize("raw, says", [
    ("", "Give the club a name"),
    ("   ", "Give the club a name"),
    ("\N{ZERO WIDTH JOINER}", "Give the club a name"),
    ("x" * (MAX_NAME_LENGTH + 1), f"at most {MAX_NAME_LENGTH} characters; that one has {MAX_NAME_LENGTH + 1}"),
    ("Night\nOwls", "single line"),
    ("Night\rOwls", "single line"),
    ("Night\tOwls", "single line"),
    ("Night\u2028Owls", "single line"),
    ("Ow\u200bls", "single line"),              # zero-width space
    ("\u202eslwO", "single line"),              # right-to-left override
    ("@everyone", "mentions"),
    ("<@123456789>", "mentions"),
    ("<#123456789>", "mentions"),
    ("fans of <:owl:1>", "mentions"),
    ("**Bold**", "formatting"),
    ("__under__", "formatting"),
    ("~~gone~~", "formatting"),
    ("||spoiler||", "formatting"),
    ("`code`", "formatting"),
    ("[x](http://a)", "formatting"),
    ("back\\slash", "formatting"),
    ("http://evil.example", "links"),
])
def test_bad_names_are_refused_with_a_reason(raw, says):
    assert says in refusal(clean_club_name, raw)


def test_name_keys_ignore_case_width_spacing_and_invisible_characters():
    assert name_key("Night Owls") == name_key("NIGHT owls") == name_key("night   owls")
    assert name_key("ＯＷＬＳ") == name_key("owls")          # full-width letters
    assert name_key("Straße") == name_key("STRASSE")        # case folding, not just lower()
    assert name_key("Ow\N{ZERO WIDTH JOINER}ls") == name_key("Owls")


@pytest.mark.parametrize("raw, expected", [
    ("https://example.com/owl.png", "https://example.com/owl.png"),
    ("<https://example.com/owl.png>", "https://example.com/owl.png"),
    ("  http://example.com/a.gif ", "http://example.com/a.gif"),
    ("none", None), ("Clear", None), ("remove", None),
])
def test_icon_links(raw, expected):
    assert clean_icon_url(raw) == expected


@pytest.mark.parametrize("raw, says", [
    ("", "Give a link"),
    ("<>", "Give a link"),
    ("https://example.com/" + "a" * 600, "too long"),
    ("https://example.com/a.png and more", "single link"),
])
def test_bad_icon_links(raw, says):
    assert says in refusal(clean_icon_url, raw)


def test_echo_escapes_and_shortens_member_input():
    assert echo("**x**") == "\\*\\*x\\*\\*"
    assert "@\u200beveryone" in echo("@everyone")
    assert len(echo("y" * 500)) == 40


def test_page_count():
    assert [page_count(n) for n in (0, 1, 10, 11, 20, 21)] == [1, 1, 1, 2, 2, 3]


# --- the store ---------------------------------------------------------------------------------
G = 10


async def test_create_is_all_or_nothing_and_the_schema_backs_the_rules(store):
    owls = await store.create_club(G, "Owls", "owls", 1)
    assert (await store.club_of(G, 1)) == owls and await store.club_totals(owls.id) == (1, 0)
    with pytest.raises(sqlite3.IntegrityError):  # name taken: no club, no membership for user 2
        await store.create_club(G, "OWLS", "owls", 2)
    assert await store.club_of(G, 2) is None
    with pytest.raises(sqlite3.IntegrityError):  # user 1 is already in a club: the club is not created
        await store.create_club(G, "Larks", "larks", 1)
    assert await store.club_by_key(G, "larks") is None
    assert (await store.create_club(G + 1, "Owls", "owls", 1)).guild_id == G + 1  # names are per guild


async def test_totals_ranks_and_leaderboard_follow_members_xp(store):
    await store.write_gains([GainRow(1, G, 100), GainRow(2, G, 50), GainRow(3, G, 500), GainRow(2, G + 1, 999)])
    owls = await store.create_club(G, "Owls", "owls", 1)
    await store.add_club_member(G, 2, owls.id)
    larks = await store.create_club(G, "Larks", "larks", 3)
    empty = await store.create_club(G, "Empty", "empty", 4)  # a member without XP counts 0
    assert await store.club_totals(owls.id) == (2, 150)  # user 2's XP in the other guild doesn't count
    board = await store.club_leaderboard(G, 10, 0)
    assert [(e.position, e.name, e.members, e.xp) for e in board] == [
        (1, "Larks", 1, 500), (2, "Owls", 2, 150), (3, "Empty", 1, 0)]
    assert [e.name for e in await store.club_leaderboard(G, 1, 1)] == ["Owls"]
    assert await store.club_rank(G, owls.id, 150) == (2, 3)
    assert await store.club_rank(G, empty.id, 0) == (3, 3)
    tie = await store.create_club(G, "Tie", "tie", 5)
    await store.write_gains([GainRow(5, G, 150)])
    assert await store.club_rank(G, tie.id, 150) == (3, 4)  # ties go to the older club
    assert await store.club_top_members(owls.id, 5) == [(1, 100), (2, 50)]
    assert await store.club_count(G) == 4
    assert await store.club_totals(larks.id) == (1, 500)


async def test_deleting_a_club_removes_its_members(store):
    owls = await store.create_club(G, "Owls", "owls", 1)
    await store.add_club_member(G, 2, owls.id)
    assert await store.delete_club(owls.id) == 2
    assert await store.club_of(G, 2) is None and await store.club_by_id(owls.id) is None


async def test_deleting_a_user_hands_their_clubs_on_or_ends_them(tmp_path, store):
    owls = await store.create_club(G, "Owls", "owls", 1)
    await store.add_club_member(G, 2, owls.id)
    await store.add_club_member(G, 3, owls.id)
    conn = sqlite3.connect(tmp_path / "unicornia.db")
    conn.execute("UPDATE ClubMember SET JoinedAt = JoinedAt - 60 WHERE UserId = 3")  # 3 joined before 2
    conn.commit()
    conn.close()
    solo = await store.create_club(G + 1, "Solo", "solo", 1)
    assert [d["club_name"] for d in await store.club_user_data(1)] == ["Owls", "Solo"]
    await store.delete_club_user(1)
    assert (await store.club_by_id(owls.id)).owner_id == 3  # the longest-standing member
    assert await store.club_by_id(solo.id) is None
    assert await store.club_user_data(1) == []
