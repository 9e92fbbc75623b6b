"""The README's commands against the commands the loaded cog really has (Red's loader, the real
command tree): every command is documented with its full name, every `[p]...` the README shows
runs a command that exists, and every slash command is in the README's slash list.  A read-through
found the slash list four commands short; this keeps the two from drifting apart again."""
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SPANS = re.findall(r"`([^`\n]+)`", README)
#: The spans of each table row's first cell: what the row documents.
ROW_SPANS = [span for line in README.splitlines() if line.startswith("| ")
             for span in re.findall(r"`([^`]+)`", line[2:].split(" | ")[0])]
#: Red's own commands the README tells owners and admins to run (not Unicornia's).
RED_COMMANDS = {"repo", "cog", "load", "addpath", "slash", "ignore", "command", "help", "reload", "set", "bank",
                "datapath", "embedset", "blocklist", "localblocklist", "localallowlist"}
#: The admin table lists `[p]unicornia guild` subcommands by their name under the group.
ADMIN_GROUP = "unicornia guild "


def prefix_invocations() -> list[list[str]]:
    """Each `[p]...` span as words, `(also ...)`-style notes and placeholders left as they are."""
    return [span[len("[p]"):].split() for span in SPANS if span.startswith("[p]") and len(span) > 3]


def shown(name: str, prefix: str = "[p]", spans: list[str] = SPANS) -> bool:
    pattern = re.compile(re.escape(prefix + name) + r"(?![\w-])")
    return any(pattern.match(span) for span in spans)


def documented(qualified_name: str) -> bool:
    """By its full name; a `[p]unicornia guild` subcommand also by its name in the admin table; and a
    `[p]level` copy of a short form (`[p]level club ...` beside `[p]club ...`) by the short form's."""
    if shown(qualified_name):
        return True
    if qualified_name.startswith(ADMIN_GROUP) and shown(qualified_name[len(ADMIN_GROUP):], "", ROW_SPANS):
        return True
    head, _, rest = qualified_name.partition(" ")
    return head == "level" and " " in rest and shown(f"level {rest.split()[0]} ...") and documented(rest)


def test_every_command_of_the_cog_is_in_the_readme_by_its_full_name(sim):
    commands = {c.qualified_name for c in sim.cog.walk_commands() if not c.hidden}
    assert len(commands) > 100  # the walk saw the whole cog, groups and all
    missing = sorted(name for name in commands if not documented(name))
    assert missing == [], ", ".join(missing)


def test_every_command_the_readme_shows_exists(sim):
    ours = {c.name for c in sim.cog.walk_commands() if c.parent is None}
    ours |= {alias for c in sim.cog.walk_commands() if c.parent is None for alias in c.aliases}
    shown = prefix_invocations()
    assert len(shown) > 150
    unknown = []
    for words in shown:
        if words[0] in RED_COMMANDS:
            continue
        if words[0] not in ours:
            unknown.append(" ".join(words))
            continue
        command, rest = sim.bot.get_command(words[0]), words[1:]
        while rest and hasattr(command, "all_commands") and rest[0] in command.all_commands:
            command, rest = command.all_commands[rest[0]], rest[1:]
        # after a group the README writes only placeholders (`[p]level [member]`): any other word
        # is a subcommand the group does not have
        if rest and hasattr(command, "all_commands") and not rest[0].startswith(("[", "<", "...")):
            unknown.append(" ".join(words))
    assert unknown == [], unknown


def slash_names() -> set[str]:
    """Every `/...` span, with `a|b|c` alternatives of its last word expanded."""
    names = set()
    for span in SPANS:
        if not span.startswith("/") or "/" in span[1:]:  # not a path or a web route
            continue
        words = span[1:].replace(" ...", "").split()
        if not words or not re.fullmatch(r"[a-z]+", words[0]):
            continue
        *head, last = words
        for alternative in last.split("|"):
            names.add(" ".join([*head, alternative]))
    return names


def test_every_slash_command_is_in_the_readmes_slash_list(sim):
    tree = [c.app_command for c in sim.cog.walk_commands() if c.parent is None and getattr(c, "app_command", None)]
    tree += list(sim.cog.get_app_commands())
    names = set()
    for app in tree:
        names.add(app.qualified_name)
        names.update(c.qualified_name for c in getattr(app, "walk_commands", lambda: [])())
    shown = slash_names()
    # a group is listed as `/name ...` or through its subcommands
    missing = sorted(n for n in names if n not in shown and not any(s.startswith(n + " ") for s in shown)
                     and not any(n.startswith(s + " ") for s in shown))
    assert missing == [], ", ".join(missing)
