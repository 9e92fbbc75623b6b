"""Sample XP cards: what the README gallery shows (`make gallery`) and what the visual regression
tests compare against their reference PNGs (tests/visual/).

Everything is deterministic: avatars are drawn here, backgrounds are the bundled ones, and the
card's words are the shipped catalogue's (English, or German for the German sample).
"""
from __future__ import annotations

import contextvars
import io
from functools import lru_cache
from pathlib import Path
from typing import Callable

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "unicornia" / "data"
HUGE = dict(level=471_404, rank=10**8, ranked=10**8, into_level=4_242_600, needed=4_242_672, total_xp=10**12,
            awarded_xp=-10**12)
LONG_NAME = "Bartholomew the Magnificent of House Unicornia, Keeper of the Rainbow 🦄"
LONG_CLUB = "The Extraordinarily Long Name of a Club Nobody Could Ever Read"
SCRIPTS_NAME = "Zoë Дмитрий Ωμέγα さくら 李明 محمد ✨🦄"


def background(name: str) -> bytes:
    return (DATA / "backgrounds" / name).read_bytes()


@lru_cache(maxsize=None)
def avatar(hue: int) -> bytes:
    """A 256 px avatar: a person's silhouette on a two-colour gradient of ``hue`` (degrees)."""
    import colorsys

    size = 256

    def colour(shift: int, lightness: float, saturation: float = 0.55) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(((hue + shift) % 360) / 360, lightness, saturation)
        return round(r * 255), round(g * 255), round(b * 255)

    ramp = Image.linear_gradient("L").resize((size, size))
    img = Image.composite(Image.new("RGB", (size, size), colour(40, 0.35)),
                          Image.new("RGB", (size, size), colour(0, 0.62)), ramp)
    big = Image.new("L", (size * 4, size * 4), 0)
    draw = ImageDraw.Draw(big)
    draw.ellipse((4 * 84, 4 * 52, 4 * 172, 4 * 140), fill=255)  # head
    draw.ellipse((4 * 40, 4 * 156, 4 * 216, 4 * 330), fill=255)  # shoulders
    img.paste(colour(0, 0.88, 0.4), (0, 0), big.reduce(4))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def labels(locale: str = "en-US"):
    """The card's words from the shipped catalogue, in ``locale`` (and its number format)."""
    from redbot.core.i18n import set_contextual_locale, set_contextual_regional_format

    from unicornia.systems.card_generator import card_labels

    def translated():
        set_contextual_locale(locale)
        set_contextual_regional_format(locale)
        return card_labels()

    return contextvars.copy_context().run(translated)  # leaves the caller's language alone


def base(**overrides) -> dict:
    values = dict(name="Alice Wonder", level=42, rank=17, ranked=48_213, into_level=250, needed=414, total_xp=9_876,
                  awarded_xp=120, avatar=avatar(200), club_name="Unicorns 🦄", club_icon=None,
                  background=background("default.png"))
    values.update(overrides)
    return values


#: name -> the CardData's fields (without labels); "german" samples are drawn with German words.
SAMPLES: dict[str, Callable[[], dict]] = {
    "aurora": lambda: base(style="aurora"),
    "classic": lambda: base(style="classic", background=background("sunset.png"), avatar=avatar(20)),
    "minimal": lambda: base(style="minimal", background=background("ocean.png"), avatar=avatar(120)),
    "aurora-accent": lambda: base(style="aurora", accent=(255, 106, 213), background=background("sunset.png"),
                                  name="Mira ✨", level=7, rank=2, ranked=295, into_level=31, needed=99, total_xp=600,
                                  awarded_xp=0, avatar=avatar(300), club_name="Night Owls"),
    "huge-numbers": lambda: base(style="aurora", **HUGE, background=background("ocean.png")),
    "classic-huge-long": lambda: base(style="classic", accent=(120, 220, 140), **HUGE, name=LONG_NAME,
                                      club_name=LONG_CLUB),
    "minimal-long": lambda: base(style="minimal", accent=(255, 255, 255), name=LONG_NAME, club_name=LONG_CLUB,
                                 background=background("sunset.png"), rank=123_456, ranked=1_000_000,
                                 total_xp=812_345_678, awarded_xp=-1_234_567),
    "placeholder-tiny": lambda: base(style="aurora", name="_Bruno_", avatar=None, level=0, rank=None, ranked=12,
                                     into_level=1, needed=344, total_xp=1, awarded_xp=0, club_name=None,
                                     background=background("sunset.png")),
    "classic-full": lambda: base(style="classic", into_level=413, needed=414, accent=(88, 101, 242),
                                 background=background("ocean.png")),
    "scripts": lambda: base(style="aurora", name=SCRIPTS_NAME, club_name="夜猫子 🦉", avatar=None,
                            accent=(140, 232, 190)),
    "german": lambda: base(style="minimal", rank=1_234, ranked=98_765, total_xp=1_234_567, awarded_xp=2_500_000,
                           club_name="Die Nachteulen"),
}
#: Samples drawn with the German catalogue and number format.
GERMAN = {"german"}


def card(name: str):
    from unicornia.systems.card_generator import CardData

    return CardData(**SAMPLES[name](), labels=labels("de-DE" if name in GERMAN else "en-US"))
