"""`[p]level card`: a member's card style and accent colour, stored per member and server, used by
`[p]level check`, tried with `preview`, cleared by `reset` and by Red's data deletion; refusals
say what is allowed (privately, for a slash command)."""
import io
import json

import pytest
from PIL import Image
from redbot.core import commands

from tests.conftest import members, record_cards


async def stored(sim, member) -> dict:
    """The member's card choices in Red's Config (the member scope holds other choices too)."""
    everything = await sim.cog.config.member(member).all()
    return {key: everything[key] for key in ("card_style", "card_colour")}


async def test_colour_and_style_are_stored_per_member_and_used_by_level_check(sim, sent):
    alice, bob = members(sim)[:2]
    seen = record_cards(sim)
    await sim.command("level card colour #ff8a3d", alice)
    assert "**#FF8A3D**" in sim.replies()[-1].content
    await sim.command("level card style Classic", alice)
    reply = sim.replies()[-1].content
    assert "**classic**" in reply and "!level card preview" in reply  # the hint with the prefix typed
    assert await stored(sim, alice) == {"card_style": "classic", "card_colour": "#FF8A3D"}
    assert await stored(sim, bob) == {"card_style": None, "card_colour": None}

    await sim.command("level check", alice)
    await sim.command(f"level check {alice.id}", bob)  # anyone looking sees alice's choice
    await sim.command("level check", bob)
    assert [(c.name, c.style, c.accent) for c in seen] == [
        (alice.display_name, "classic", (255, 138, 61)),
        (alice.display_name, "classic", (255, 138, 61)),
        (bob.display_name, "aurora", None),
    ]
    assert Image.open(io.BytesIO(sent[-1]["file_bytes"][0])).size == (800, 392)

    # per server: the same member elsewhere keeps the defaults
    elsewhere = await sim.cog.config.member_from_ids(alice.guild.id + 1, alice.id).all()
    assert (elsewhere["card_style"], elsewhere["card_colour"]) == (None, None)

    await sim.command("level card colour default", alice)
    assert "own colour again" in sim.replies()[-1].content
    assert await stored(sim, alice) == {"card_style": "classic", "card_colour": None}
    await sim.command("level card reset", alice)
    assert "back to the `aurora` style" in sim.replies()[-1].content
    await sim.command("level check", alice)
    assert (seen[-1].style, seen[-1].accent) == ("aurora", None)


@pytest.mark.parametrize("given", ["blurple", "#12345", "#GGGGGG", "rgb(1,2,3)"])
async def test_a_bad_colour_is_refused_saying_what_is_allowed(sim, given):
    alice = members(sim)[0]
    await sim.command("level card colour #00ff00", alice)
    sim.replies()
    await sim.command(f"level card colour {given}", alice)
    text = sim.replies()[-1].content
    assert f"`{given}` is not a colour I know" in text
    assert "`#5865F2`" in text and "`#58F`" in text and "`default`" in text
    assert (await stored(sim, alice))["card_colour"] == "#00FF00"  # nothing changed


async def test_an_unknown_style_is_refused_listing_the_styles(sim):
    alice = members(sim)[0]
    await sim.command("level card style fancy", alice)
    text = sim.replies()[-1].content
    assert text.startswith("There is no card style `fancy`. Pick one of:")
    assert all(f"`{name}`" in text for name in ("aurora", "classic", "minimal"))
    assert (await stored(sim, alice))["card_style"] is None
    await sim.command("level card style", alice)  # without a name: the list
    text = sim.replies()[-1].content
    assert all(f"`{name}`" in text for name in ("aurora", "classic", "minimal"))
    await sim.command("level card", alice)  # the group alone: what is chosen, and the styles
    text = sim.replies()[-1].content
    assert "style, `aurora`" in text and "`minimal`" in text and "!level card style <name>" in text


async def test_preview_draws_a_trial_look_and_changes_nothing(sim, sent):
    alice, bob = members(sim)[:2]
    await sim.say("a few words to be ranked", alice)
    seen = record_cards(sim)
    await sim.command("level card preview minimal #36c", alice)
    assert (seen[-1].style, seen[-1].accent) == ("minimal", (0x33, 0x66, 0xCC))
    assert sent[-1]["content"] == "Your card here: style `minimal`, colour #3366CC."
    assert sim.replies()[-1].attachments[0].filename == "card.png"
    assert await stored(sim, alice) == {"card_style": None, "card_colour": None}
    await sim.command("level card preview", alice)
    assert (seen[-1].style, seen[-1].accent) == ("aurora", None)
    await sim.command("level card preview pastel", bob)  # (alice has used her three previews a window)
    assert "There is no card style `pastel`" in sim.replies()[-1].content
    await sim.command("level card preview classic red", bob)
    assert "`red` is not a colour I know" in sim.replies()[-1].content
    assert len(seen) == 2


async def test_card_choices_are_exported_and_deleted_with_the_users_data(sim):
    alice, bob = members(sim)[:2]
    await sim.command("level card style minimal", alice)
    await sim.command("level card colour #abcdef", bob)
    exported = json.loads((await sim.cog.red_get_data_for_user(user_id=alice.id))["unicornia.json"].getvalue())
    assert exported["card"] == {str(alice.guild.id): {"card_style": "minimal", "card_colour": None}}
    await sim.cog.red_delete_data_for_user(requester="user", user_id=alice.id)
    assert await stored(sim, alice) == {"card_style": None, "card_colour": None}
    assert (await stored(sim, bob))["card_colour"] == "#ABCDEF"  # only alice's


# --- as slash commands ---------------------------------------------------------------------------
async def test_slash_card_commands_refuse_privately_and_preview_privately(slash):
    alice = members(slash)[0]
    refused = await slash.slash("level card colour", alice, colour="pink")
    assert refused.ephemeral is True and "`pink` is not a colour I know" in refused.text
    chosen = await slash.slash("level card style", alice, name="minimal")
    assert chosen.ephemeral is False and "**minimal**" in chosen.text and "`/level card preview`" in chosen.text
    set_colour = await slash.slash("level card colour", alice, colour="#ff0066")
    assert "**#FF0066**" in set_colour.text
    preview = (await slash.slash("level card preview", alice)).raise_errors()
    assert preview.deferred and preview.ephemeral is True
    [(name, data)] = preview.files
    assert name == "card.png" and Image.open(io.BytesIO(data)).size == (800, 392)
    assert "style `minimal`, colour #FF0066" in preview.text
    reset = await slash.slash("level card reset", alice)
    assert reset.acknowledged and "back to the `aurora` style" in reset.text
    assert await stored(slash, alice) == {"card_style": None, "card_colour": None}


async def test_a_german_server_gets_german_card_words_and_abbreviations(sim):
    alice = members(sim)[0]
    await sim.command("set locale server de-DE", sim.owner())
    seen = record_cards(sim)
    await sim.command("level card preview classic", alice)
    labels = seen[-1].labels
    assert (labels.total, labels.awarded_title, labels.rank) == ("GESAMT-XP", "VON ADMINS", "RANG")
    assert labels.abbreviate(1_234_567) == "1,2 Mio." and labels.rank_of.format(rank=4, ranked=295) == "#4 / 295"
    await sim.command("level card colour lila", alice)
    assert "`lila` ist keine Farbe, die ich kenne." in sim.replies()[-1].content


async def test_a_servers_card_style_is_used_until_a_member_chooses_their_own(sim):
    alice, bob = members(sim)[:2]
    owner = sim.owner()
    seen = record_cards(sim)
    await sim.command("unicornia guild cardstyle", owner)
    assert "card style is `aurora`" in sim.replies()[-1].content
    await sim.command("unicornia guild cardstyle sparkly", owner)
    assert sim.replies()[-1].content.startswith("There is no card style `sparkly`. Pick one of:")
    assert (await sim.cog.settings.get(sim.guild.id)).card_style == "aurora"  # nothing changed
    await sim.command("unicornia guild cardstyle Classic", owner)
    assert "now get `classic`" in sim.replies()[-1].content

    await sim.command("level card style aurora", alice)  # her own choice, though it was the old default
    await sim.command("level card", bob)
    assert "this server's style, `classic`" in sim.replies()[-1].content
    await sim.command("level check", alice)
    await sim.command("level check", bob)
    assert [c.style for c in seen] == ["aurora", "classic"]
    await sim.command("level card reset", alice)
    assert "back to the `classic` style" in sim.replies()[-1].content
    await sim.command("level check", alice)
    assert seen[-1].style == "classic"
    await sim.command("unicornia guild settings", owner)
    table = sim.replies()[-1].content
    assert "Card style" in table and "classic" in table

    await sim.command("unicornia guild cardstyle default", owner)
    await sim.command("level check", bob)
    assert seen[-1].style == "aurora"
    with pytest.raises(commands.CheckFailure):  # not an admin
        await sim.command("unicornia guild cardstyle minimal", bob)
    assert (await sim.cog.settings.get(sim.guild.id)).card_style == "aurora"
