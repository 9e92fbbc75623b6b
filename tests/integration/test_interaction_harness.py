"""The interaction harness (harness/interactions.py) against a throwaway cog: slash options,
ephemeral replies, deferrals with files, autocomplete, buttons and selects on a Red bot."""
import asyncio
import io
import time

import discord
import pytest
from discord.ext import commands as dcommands
from discord.ext.test import backend as fake
from PIL import Image

from harness.interactions import DEFERRED_MESSAGE, DEFERRED_UPDATE, MESSAGE, UPDATE, settle_tasks
from tests.conftest import load_extra_cog

TOY = '''
import asyncio
import io
import time

import discord
from PIL import Image
from redbot.core import app_commands, commands
from redbot.core.utils.views import ConfirmView

ITEMS = ["sunrise", "sunset", "moon", "stars"]


class Menu(discord.ui.View):
    """A button, a string select and a channel select; only the invoker may use them."""

    def __init__(self, owner_id):
        super().__init__(timeout=180)
        self.owner_id = owner_id

    async def interaction_check(self, interaction):
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("This menu is not yours.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", custom_id="toy:confirm", style=discord.ButtonStyle.green)
    async def confirm(self, interaction, button):
        button.disabled = True
        await interaction.response.edit_message(content="Confirmed.", view=self)

    @discord.ui.select(custom_id="toy:colours", placeholder="Colours", max_values=2,
                       options=[discord.SelectOption(label=c.title(), value=c) for c in ("red", "green", "blue")])
    async def colours(self, interaction, select):
        await interaction.response.edit_message(content="Colours: " + ", ".join(select.values), view=self)

    @discord.ui.select(cls=discord.ui.ChannelSelect, custom_id="toy:channel",
                       channel_types=[discord.ChannelType.text])
    async def channel(self, interaction, select):
        picked = select.values[0]
        await interaction.response.edit_message(
            content=f"Channel: {picked.name} {picked.id} {type(picked).__name__}", view=self)


class NameForm(discord.ui.Modal, title="Your name"):
    name = discord.ui.TextInput(label="Name", custom_id="toy:name")

    async def on_submit(self, interaction):
        await interaction.response.send_message(f"Hello {self.name.value}!", ephemeral=True)


class Toy(commands.Cog):
    """A cog with hybrid commands, for the harness tests."""

    @commands.hybrid_group(name="toy")
    async def toy(self, ctx):
        """Toy commands."""

    @toy.command(name="give")
    async def toy_give(self, ctx, member: discord.Member, amount: int):
        """Give someone some toys."""
        await ctx.send(f"{ctx.author.display_name} gives {amount} ({type(amount).__name__}) "
                       f"to {member.display_name} ({type(member).__name__}, id {member.id})")

    @toy.group(name="admin")
    async def toy_admin(self, ctx):
        """Toy settings."""

    @toy_admin.command(name="limit")
    @commands.admin_or_permissions(manage_guild=True)
    async def toy_admin_limit(self, ctx, channel: discord.TextChannel, role: discord.Role, share: float):
        """Set a limit."""
        await ctx.send(f"limit in {channel.name} for {role.name}: {share!r}")

    @commands.hybrid_command(name="toysecret")
    async def toysecret(self, ctx):
        """Tell a secret."""
        await ctx.send("Only you can see this.", ephemeral=ctx.interaction is not None)

    @commands.hybrid_command(name="toycard")
    async def toycard(self, ctx):
        """Draw a card."""
        await ctx.defer()
        buffer = io.BytesIO()
        Image.new("RGB", (12, 8), "purple").save(buffer, "PNG")
        buffer.seek(0)
        await ctx.send("Your card", file=discord.File(buffer, "card.png"))

    @commands.hybrid_command(name="toybuy")
    async def toybuy(self, ctx, item: str):
        """Buy an item."""
        await ctx.send(f"Bought {item}.")

    @toybuy.autocomplete("item")
    async def toybuy_item(self, interaction, current):
        return [app_commands.Choice(name=name.title(), value=name) for name in ITEMS if current in name]

    @commands.hybrid_command(name="toymenu")
    async def toymenu(self, ctx, private: bool = False):
        """Open the menu."""
        await ctx.send("Pick something.", view=Menu(ctx.author.id), ephemeral=private)

    @commands.hybrid_command(name="toywhere")
    async def toywhere(self, ctx):
        """Say where and how it was asked."""
        await ctx.send(f"{ctx.channel.name} {ctx.interaction.locale.value} "
                       f"manage_guild={ctx.permissions.manage_guild}")

    @commands.hybrid_command(name="toyhush")
    async def toyhush(self, ctx):
        """Defer publicly, then try to whisper."""
        await ctx.defer()
        await ctx.send("A refusal meant to be private.", ephemeral=True)

    @commands.hybrid_command(name="toyconfirm")
    async def toyconfirm(self, ctx):
        """Ask first, with Red's ConfirmView."""
        view = ConfirmView(ctx.author)
        view.message = await ctx.send("Are you sure?", view=view)
        await view.wait()
        await ctx.send("Done." if view.result else "Cancelled.")

    @commands.hybrid_command(name="toyupload")
    async def toyupload(self, ctx, image: discord.Attachment):
        """Look at an upload."""
        data = await image.read()
        await ctx.send(f"{image.filename}: {len(data)} bytes, starts {data[:4]!r}")

    @app_commands.command(name="toyname")
    async def toyname(self, interaction):
        """Open a form."""
        await interaction.response.send_modal(NameForm())

    @commands.hybrid_command(name="toyboom")
    async def toyboom(self, ctx):
        """Fail."""
        raise RuntimeError("boom")


async def setup(bot):
    await bot.add_cog(Toy())
'''


@pytest.fixture
async def toy(red, tmp_path):
    """The Red bot with the toy cog loaded and its app commands enabled."""
    await load_extra_cog(red, tmp_path, "toy", TOY)
    assert red.bot.get_cog("Toy") is not None
    enabled = await red.enable_app_commands("toy")
    assert {"toy", "toysecret", "toycard", "toybuy", "toymenu"} <= set(enabled)
    red.replies()
    return red


def _people(sim):
    return [m for m in sim.guild.members if not m.bot and m.id != sim.owner().id]


async def test_subcommand_options_arrive_with_their_types(toy):
    alice, bob = _people(toy)[:2]
    result = await toy.slash("toy give", alice, member=bob, amount=3)
    assert result.errors == []
    assert result.text == f"{alice.display_name} gives 3 (int) to {bob.display_name} (Member, id {bob.id})"
    assert [(s.kind, s.response_type) for s in result.responses] == [("callback", MESSAGE)]
    assert result.ephemeral is False and not result.deferred


async def test_nested_group_channel_role_and_number_options_and_permissions(toy):
    alice = _people(toy)[0]
    channel = toy.guild.text_channels[1]
    role = toy.make_role("Regulars")
    refused = await toy.slash("toy admin limit", alice, options={"channel": channel}, role=role, share=0.5)
    # Red answers a failed check on a hybrid command with silence: Discord then shows the member
    # "The application did not respond".  Commands that refuse must say so themselves.
    assert not refused.acknowledged and refused.responses == []
    assert [type(e).__name__ for e in refused.errors] == ["CheckFailure"]

    managers = fake.make_role("Managers", toy.guild, permissions=discord.Permissions(manage_guild=True).value)
    toy.set_roles(alice, [managers])
    allowed = await toy.slash("toy admin limit", alice, options={"channel": channel}, role=role, share=0.5)
    assert allowed.text == f"limit in {channel.name} for Regulars: 0.5"


async def test_ephemeral_only_when_invoked_as_a_slash_command(toy):
    alice = _people(toy)[0]
    result = await toy.slash("toysecret", alice)
    assert result.ephemeral is True and result.text == "Only you can see this."
    assert result.answer.flags & 64
    await toy.command("toysecret", alice)  # the same hybrid command with the prefix
    assert toy.replies()[-1].content == "Only you can see this."


async def test_deferral_then_follow_up_with_a_png(toy):
    alice = _people(toy)[0]
    result = await toy.slash("toycard", alice)
    assert result.deferred
    assert [(s.kind, s.response_type) for s in result.responses] == [("callback", DEFERRED_MESSAGE), ("followup", None)]
    follow_up = result.responses[1]
    assert follow_up.content == "Your card" and not follow_up.ephemeral
    assert follow_up.message_id == result.responses[0].message_id  # it filled the "thinking" message
    [(name, data)] = result.files
    assert name == "card.png"
    assert Image.open(io.BytesIO(data)).format == "PNG"
    [message] = result.messages()
    assert message["attachments"][0]["filename"] == "card.png" and not message["flags"] & 128


async def test_autocomplete_offers_matching_choices(toy):
    alice = _people(toy)[0]
    assert await toy.autocomplete("toybuy", alice, option="item", value="sun") == [
        ("Sunrise", "sunrise"), ("Sunset", "sunset")]
    assert await toy.autocomplete("toybuy", alice, option="item", value="") == [
        (n.title(), n) for n in ("sunrise", "sunset", "moon", "stars")]


async def test_button_edits_the_menu_in_place_for_its_owner_only(toy):
    alice, bob = _people(toy)[:2]
    menu = await toy.slash("toymenu", alice)
    assert menu.text == "Pick something."
    components = [c for row in menu.answer.components for c in row["components"]]
    assert [c["custom_id"] for c in components] == ["toy:confirm", "toy:colours", "toy:channel"]

    refused = await toy.click(menu, "toy:confirm", bob)
    assert refused.text == "This menu is not yours." and refused.ephemeral
    assert [s.response_type for s in refused.responses] == [MESSAGE]

    clicked = await toy.click(menu, "Confirm", alice)  # by label this time
    [update] = clicked.responses
    assert (update.kind, update.response_type, update.content) == ("callback", UPDATE, "Confirmed.")
    assert update.message_id == menu.answer.message_id
    button = next(c for row in update.components for c in row["components"] if c["custom_id"] == "toy:confirm")
    assert button["disabled"] is True
    with pytest.raises(ValueError, match="disabled"):
        await toy.click(menu, "toy:confirm", alice)


async def test_selects_deliver_values_and_resolved_channels(toy):
    alice = _people(toy)[0]
    menu = await toy.slash("toymenu", alice)
    picked = await toy.select(menu, "toy:colours", ["red", "blue"], alice)
    assert picked.text == "Colours: red, blue"
    with pytest.raises(ValueError, match="not options"):
        await toy.select(menu, "toy:colours", ["purple"], alice)
    channel = toy.guild.text_channels[1]
    chosen = await toy.select(menu, "toy:channel", [channel], alice)
    assert chosen.text == f"Channel: {channel.name} {channel.id} AppCommandChannel"


async def test_only_the_invoker_sees_an_ephemeral_menu(toy):
    alice, bob = _people(toy)[:2]
    menu = await toy.slash("toymenu", alice, private=True)
    assert menu.ephemeral
    with pytest.raises(PermissionError, match="ephemeral"):
        await toy.click(menu, "toy:confirm", bob)
    assert (await toy.click(menu, "toy:confirm", alice)).text == "Confirmed."


async def test_components_on_a_message_sent_with_the_prefix(toy):
    alice, bob = _people(toy)[:2]
    await toy.command("toymenu", alice)
    message = toy.replies()[-1]
    assert message.content == "Pick something."
    assert (await toy.click(message, "toy:confirm", bob)).text == "This menu is not yours."
    clicked = await toy.click(message, "toy:confirm", alice)
    assert clicked.answer.response_type == UPDATE and clicked.text == "Confirmed."
    assert clicked.answer.message_id == message.id


async def test_an_exception_in_a_hybrid_command(toy):
    """With the prefix Red answers "Error in command"; as a slash command (Red 3.5.24, discord.py
    2.7.1) the error reaches on_command_error as a HybridCommandError, which Red only logs: the
    member gets no answer.  The harness reports both, so tests can assert neither happened."""
    alice = _people(toy)[0]
    result = await toy.slash("toyboom", alice)
    assert not result.acknowledged and result.text == ""
    [error] = result.errors
    assert isinstance(error, dcommands.HybridCommandError) and str(error.__cause__.__cause__) == "boom"

    with pytest.raises(dcommands.CommandInvokeError):
        await toy.command("toyboom", alice)
    assert toy.replies()[-1].content == "`Error in command 'toyboom'.`"

    fine = await toy.slash("toysecret", alice)
    assert fine.acknowledged and fine.errors == []


async def test_invocation_channel_locale_and_permissions(toy):
    alice = _people(toy)[0]
    other = toy.guild.text_channels[1]
    result = await toy.slash("toywhere", alice, channel=other, locale="fr")
    assert result.text == f"{other.name} fr manage_guild=False"
    toy.guild.owner_id = alice.id  # the server owner has every permission
    assert (await toy.slash("toywhere", alice)).text.endswith("manage_guild=True")


async def test_a_public_deferral_makes_the_follow_up_public(toy):
    alice = _people(toy)[0]
    result = await toy.slash("toyhush", alice)
    follow_up = result.responses[-1]
    assert follow_up.kind == "followup" and follow_up.flags & 64  # asked for ephemeral...
    assert result.ephemeral is False  # ...but Discord keeps the deferral's visibility


async def test_a_command_waiting_on_a_view_resumes_when_clicked(toy):
    alice = _people(toy)[0]
    asked = await toy.slash("toyconfirm", alice)  # returns while the command waits for the click
    assert asked.text == "Are you sure?" and asked.errors == []
    answered = await toy.click(asked, "Yes", alice)
    assert [(s.kind, s.response_type) for s in answered.responses] == [
        ("callback", DEFERRED_UPDATE), ("edit_original", None), ("followup", None)]
    assert answered.responses[1].components == []  # ConfirmView took its buttons away
    assert answered.text.endswith("Done.")


async def test_a_modal_is_opened_and_submitted(toy):
    alice = _people(toy)[0]
    opened = await toy.slash("toyname", alice)
    assert opened.modal["title"] == "Your name"
    submitted = await toy.submit_modal(opened, alice, {"Name": "Alice"})
    assert submitted.text == "Hello Alice!" and submitted.ephemeral


async def test_an_attachment_option_can_be_read_by_the_cog(toy):
    result = await toy.slash("toyupload", _people(toy)[0], image=("pic.png", b"\x89PNG and more"))
    assert result.text == "pic.png: 13 bytes, starts b'\\x89PNG'"


async def test_settling_waits_for_work_but_not_for_waits_on_members(red):
    bot = red.bot
    before = asyncio.all_tasks()
    finished = []

    async def work():
        await asyncio.to_thread(time.sleep, 0.05)
        await asyncio.sleep(0.05)
        finished.append("work")

    async def menu():  # as a reaction menu waits: on a member, or on its timeout
        waits = [asyncio.ensure_future(bot.wait_for("reaction_add")), asyncio.ensure_future(asyncio.sleep(60))]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)

    busy, waiting = asyncio.create_task(work()), asyncio.create_task(menu())
    died, parked = await settle_tasks(before, bot)
    assert finished == ["work"] and busy.done() and died == []
    assert waiting in parked and not waiting.done()

    slow = asyncio.create_task(asyncio.to_thread(time.sleep, 0.3))
    with pytest.raises(TimeoutError, match="still busy"):
        await settle_tasks(before, bot, timeout=0.05)
    for task in (*parked, slow):
        task.cancel()
    await asyncio.gather(*parked, slow, return_exceptions=True)


async def test_the_recording_patch_is_gone_between_calls(toy):
    from discord.webhook.async_ import AsyncWebhookAdapter

    real = AsyncWebhookAdapter.request
    await toy.slash("toysecret", _people(toy)[0])
    assert AsyncWebhookAdapter.request is real
