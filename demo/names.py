"""Member names in many scripts, so the demo shows what real servers look like."""
import random

STEMS = [
    "Alice", "Bruno", "Chloé", "Dmitri", "Élodie", "Farah", "Giulia", "Hiro", "Ingrid", "Jamal",
    "Дмитрий", "Светлана", "Ωμέγα", "Αθηνά", "さくら", "太郎", "李明", "김민수", "محمد", "فاطمة",
    "Noa", "Oskar", "Priya", "Quinn", "Rosa", "Søren", "Tomás", "Uma", "Viktor", "Wen",
]
DECOR = ["", "", "", "✨", "🦄", "_", "xX", "🔥"]


def member_names(count: int, rng: random.Random) -> list[str]:
    names = []
    for i in range(count):
        stem = STEMS[i % len(STEMS)]
        deco = rng.choice(DECOR)
        names.append(f"{deco}{stem}{i // len(STEMS) or ''}{deco[::-1]}")
    names[4] = MIXED_NAME  # one chatty member whose name mixes every script the card must draw
    return names


MIXED_NAME = "Zoë✨Дмитрий Ωμέγα さくら 李明 محمد 🦄"


CHATTER = [
    "good morning everyone", "anyone up for a game tonight?", "lol", "that's wild", "thanks for the help!",
    "check this out", "brb", "what did I miss?", "this server is great", "who's streaming later?",
    "ok", "gg", "haha nice one", "can someone explain the rules?", "I finally beat that boss",
]
