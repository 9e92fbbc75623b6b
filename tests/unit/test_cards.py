"""The card generator and font fallback, drawing real images with Pillow."""
import io
from pathlib import Path

import pytest
from PIL import Image

from unicornia.core.bytecache import ByteCache
from unicornia.core.card_layout import CARD_SIZE, DEFAULT_STYLE, STYLES
from unicornia.systems.card_generator import CardData, CardGenerator
from unicornia.systems.fonts import EMOJI_FONT, FontSet, graphemes
from unicornia.systems.images import ImageRejected, check_image
from tests.imagekit import bomb_png, gif_bytes, png_bytes

DATA = Path(__file__).resolve().parents[2] / "unicornia" / "data"
MIXED = "Zoë Дмитрий Ωμέγα さくら 李明 김민수 محمد ✨🦄👩‍👩‍👧🇫🇷"


@pytest.fixture(scope="module")
def generator():
    gen = CardGenerator(DATA / "fonts")
    yield gen
    gen.close()


@pytest.fixture(scope="module")
def fonts(generator):
    return generator.fonts


def card(**overrides) -> CardData:
    values = dict(name="Alice", level=12, rank=3, ranked=120, into_level=57, needed=144, total_xp=1234,
                  background=(DATA / "backgrounds" / "sunset.png").read_bytes(), avatar=png_bytes((128, 128)))
    values.update(overrides)
    return CardData(**values)


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_graphemes_keep_sequences_whole():
    assert graphemes("e\u0301a") == ["e\u0301", "a"]
    assert graphemes("👩‍👩‍👧x") == ["👩‍👩‍👧", "x"]
    assert graphemes("🇫🇷🇩🇪") == ["🇫🇷", "🇩🇪"]
    assert graphemes("👍🏽!") == ["👍🏽", "!"]


def test_every_script_of_a_mixed_name_has_a_glyph(fonts):
    used = set()
    for run in fonts.runs(MIXED):
        for cluster in graphemes(run.text):
            base = cluster[0]
            if base.isspace():
                continue
            assert ord(base) in fonts._cmaps[run.font], (cluster, run.font)
            used.add(run.font)
    assert {"NotoSans-Bold.ttf", "NotoSansArabic-Bold.ttf", "DroidSansFallback.ttf", EMOJI_FONT} <= used


def test_emoji_are_drawn_in_colour(fonts):
    canvas = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    fonts.draw(canvas, (10, 70), "🦄", 48, (255, 255, 255, 255))
    colours = {px[:3] for _, px in canvas.getcolors(maxcolors=1 << 16) if px[3] > 200}
    assert len(colours) > 20  # a colour bitmap, not one flat tofu box


def test_long_names_shrink_then_ellipsise_on_cluster_boundaries(fonts):
    text, size = fonts.fit("Short", 400, 44, 22)
    assert (text, size) == ("Short", 44)
    long_name = "Bartholomew the Magnificent of House Unicornia 👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧"
    text, size = fonts.fit(long_name, 300, 44, 22)
    assert size == 22 and text.endswith("…") and fonts.width(text, size) <= 300
    assert all(c in graphemes(long_name) or c == "…" for c in graphemes(text))
    emoji_name = "👩‍👩‍👧" * 20
    text, _ = fonts.fit(emoji_name, 120, 44, 22)
    assert set(graphemes(text[:-1])) <= {"👩‍👩‍👧"}


def test_static_card_is_a_png_of_the_card_size(generator):
    rendered = generator.render_sync(card())
    img = decode(rendered.data)
    assert rendered.filename == "card.png" and img.format == "PNG" and img.size == CARD_SIZE
    # the background shows outside the panel: sunset's top-left is orange
    r, g, b = img.convert("RGB").getpixel((3, 3))
    assert r > 200 and 100 < g < 180


def test_club_name_and_icon_are_drawn_when_present(generator):
    without = decode(generator.render_sync(card()).data).convert("RGB")
    icon = png_bytes((64, 64), (10, 240, 10))
    with_club = decode(generator.render_sync(card(club_name="Unicorns", club_icon=icon)).data).convert("RGB")
    left, top, right, bottom = STYLES[DEFAULT_STYLE].club_icon
    centre = ((left + right) // 2, (top + bottom) // 2)
    assert with_club.getpixel(centre) == (10, 240, 10) and without.getpixel(centre) != (10, 240, 10)


def test_awarded_xp_only_drawn_when_non_zero(generator):
    plain = decode(generator.render_sync(card()).data).convert("RGB")
    awarded = decode(generator.render_sync(card(awarded_xp=500)).data).convert("RGB")
    box = STYLES[DEFAULT_STYLE].tiles.box  # the tiles share the row: a third tile moves the others
    assert plain.crop(box).tobytes() != awarded.crop(box).tobytes()


def test_mixed_script_name_and_missing_avatar_render(generator):
    rendered = generator.render_sync(card(name=MIXED, avatar=None))
    assert decode(rendered.data).size == CARD_SIZE
    broken_avatar = generator.render_sync(card(avatar=b"not an image"))
    assert decode(broken_avatar.data).size == CARD_SIZE


def test_animated_background_keeps_frames_durations_and_loop(generator):
    rendered = generator.render_sync(card(background=gif_bytes(frames=6, duration=70)))
    img = decode(rendered.data)
    assert rendered.filename == "card.gif" and img.is_animated and img.n_frames == 6
    assert img.info.get("loop") == 0
    durations = []
    for i in range(img.n_frames):
        img.seek(i)
        durations.append(img.info["duration"])
    assert durations == [70] * 6


def test_animation_frames_are_capped_keeping_total_time():
    gen = CardGenerator(DATA / "fonts", max_frames=30)
    try:
        rendered = gen.render_sync(card(background=gif_bytes(frames=90, size=(80, 40), duration=40)))
    finally:
        gen.close()
    img = decode(rendered.data)
    total = 0
    for i in range(img.n_frames):
        img.seek(i)
        total += img.info["duration"]
    assert img.n_frames == 30 and total == 90 * 40


def test_animation_is_shrunk_to_the_upload_limit():
    limit = 150_000
    gen = CardGenerator(DATA / "fonts", max_upload=limit)
    try:
        aurora = (DATA / "backgrounds" / "aurora.gif").read_bytes()
        rendered = gen.render_sync(card(background=aurora))
    finally:
        gen.close()
    assert len(rendered.data) <= limit and decode(rendered.data).is_animated


def test_image_checks_refuse_bombs_and_junk():
    assert check_image(png_bytes()) == "PNG"
    for bad in (bomb_png(), b"GIF89a broken", b"<html>", png_bytes()[:40]):
        with pytest.raises(ImageRejected):
            check_image(bad)


def test_byte_cache_bounds_count_bytes_and_age():
    now = [0.0]
    cache = ByteCache(max_items=3, max_bytes=10, ttl=60, clock=lambda: now[0])
    for key in "abc":
        cache.put(key, b"xx")
    cache.put("d", b"xx")
    assert len(cache) == 3 and cache.get("a") is None
    cache.put("big", b"x" * 8)
    assert cache.total_bytes <= 10
    now[0] = 61
    assert cache.get("big") is None and len(cache) < 3
