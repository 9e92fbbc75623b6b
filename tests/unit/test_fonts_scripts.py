"""Names in every common script draw with a real glyph, never the .notdef box (issue #15)."""
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw

from unicornia.systems.fonts import (
    EMOJI_FONT, MATH_FONT, SYNTHETIC_BOLD, FontSet, Run, graphemes, synthetic_bold_stroke,
)

FONTS = Path(__file__).resolve().parents[2] / "unicornia" / "data" / "fonts"
SIZE = 40
#: The bundled fonts may not grow past this without a decision (Noto Color Emoji alone is 11 MB).
FONT_BUDGET_BYTES = 20 * 1024 * 1024
UNASSIGNED = "\u0378"  # no font has it: every font draws its .notdef for it

SAMPLES = {
    "Latin": "Zoë Ångström",
    "Cyrillic": "Дмитрий",
    "Greek": "Ωμέγα",
    "Arabic": "محمد",
    "Hebrew": "שלום",
    "Devanagari": "नमस्ते क्षत्रिय",
    "Bengali": "বাংলা",
    "Tamil": "தமிழ்",
    "Thai": "สวัสดีครับ",
    "Khmer": "ខ្មែរ",
    "Tibetan": "བཀྲ་ཤིས་བདེ་ལེགས",
    "Mongolian": "ᠮᠣᠩᠭᠣᠯ",
    "hieroglyphs of decorated names": "𓆩𓂀𓆪 𓃠𓆝",
    "kana": "さくらカタカナ",
    "Han": "李明",
    "Hangul": "김민수",
    "math script bold": "𝓯𝓪𝓷𝓬𝔂",
    "math double-struck": "𝕕𝕠𝕦𝕓𝕝𝕖",
    "math fraktur": "𝖋𝖗𝖆𝖐𝖙𝖚𝖗",
    "math holes (letterlike)": "ℬℰℱℋℌℭℯ",
    "enclosed letters": "Ⓐⓛⓘⓒⓔ🄰",
    "syllabics and Cherokee look-alikes": "ᗩᒪᑕᎪᏞ",
    "emoji": "🦄✨👩‍👩‍👧🇫🇷",
}
NOT_GLYPHS = {0x200C, 0x200D}  # joiners and variation selectors shape, they draw nothing


@pytest.fixture(scope="module")
def fonts():
    return FontSet(FONTS)


def drawn(cluster_or_text: str, fonts: FontSet) -> Image.Image:
    """``text`` drawn white on transparent with the card's own helper."""
    canvas = Image.new("RGBA", (int(fonts.width(cluster_or_text, SIZE)) + 2 * SIZE, 2 * SIZE), (0, 0, 0, 0))
    fonts.draw(canvas, (SIZE // 2, int(SIZE * 1.4)), cluster_or_text, SIZE, (255, 255, 255, 255))
    return canvas


def notdef(font_name: str, fonts: FontSet) -> Image.Image:
    canvas = Image.new("RGBA", (3 * SIZE, 2 * SIZE), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((SIZE // 2, int(SIZE * 1.4)), UNASSIGNED, font=fonts.font(font_name, SIZE),
                                fill=(255, 255, 255, 255), anchor="ls")
    return canvas


def ink(img: Image.Image) -> Image.Image:
    """The alpha of the ink, cropped to it: glyphs compared by shape, not by where they sit."""
    alpha = img.getchannel("A")
    box = alpha.getbbox()
    return alpha.crop(box) if box else alpha.crop((0, 0, 0, 0))


def same_shape(a: Image.Image, b: Image.Image) -> bool:
    a, b = ink(a), ink(b)
    return a.size == b.size and ImageChops.difference(a, b).getbbox() is None


@pytest.mark.parametrize("script", SAMPLES)
def test_every_character_of_a_sample_has_a_glyph_in_its_font(fonts, script):
    for run in fonts.runs(SAMPLES[script]):
        for ch in run.text:
            cp = ord(ch)
            if ch.isspace() or cp in NOT_GLYPHS or unicodedata.category(ch) == "Mn" and 0xFE00 <= cp <= 0xFE0F:
                continue
            assert cp in fonts._cmaps[run.font], (script, ch, hex(cp), run.font)


@pytest.mark.parametrize("script", [s for s in SAMPLES if s != "emoji"])
def test_every_cluster_draws_ink_that_is_not_the_notdef_box(fonts, script):
    shapes = {}
    for cluster in graphemes(SAMPLES[script]):
        if cluster.isspace():
            continue
        img = drawn(cluster, fonts)
        assert img.getchannel("A").getbbox() is not None, (script, cluster, "drew nothing")
        shapes[cluster] = ink(img)
        for ch in cluster:  # each character alone: a cluster of two boxes would not look like one
            if ord(ch) in NOT_GLYPHS or 0xFE00 <= ord(ch) <= 0xFE0F:
                continue
            (run,) = fonts.runs(ch)
            assert not same_shape(drawn(ch, fonts), notdef(run.font, fonts)), (script, ch, run.font, "drew .notdef")
    # tofu boxes all look alike: different characters must draw different shapes
    distinct = list(shapes.items())
    for i, (a, a_ink) in enumerate(distinct):
        for b, b_ink in distinct[i + 1:]:
            assert a_ink.size != b_ink.size or ImageChops.difference(a_ink, b_ink).getbbox(), (script, a, b)


def test_emoji_sample_is_drawn_in_colour(fonts):
    img = drawn(SAMPLES["emoji"], fonts)
    colours = {px[:3] for _, px in img.getcolors(maxcolors=1 << 16) if px[3] > 200}
    assert len(colours) > 50


def test_styled_letters_come_from_the_math_font_whatever_font_comes_first(fonts):
    for text in ("𝓯𝓪𝓷𝓬𝔂", "𝕕𝕠𝕦𝕓𝕝𝕖", "𝖋𝖗𝖆𝖐𝖙𝖚𝖗", "ℌℭℬℯ"):
        assert {run.font for run in fonts.runs(text)} == {MATH_FONT}, text
    # plain letters and symbols stay in the text fonts
    assert [run.font for run in fonts.runs("Alice")] == ["NotoSans-Bold.ttf"]


def test_fancy_name_sits_on_one_baseline(fonts):
    """Noto Sans Math has tall ascenders: its letters still stand on the name's baseline, not above it."""
    baseline = int(SIZE * 1.4)
    for letter in ("a", "𝓪", "𝕒", "𝖆", "𝐚", "ท", "न"):  # no descenders (CJK sits 0.12 em lower by design)
        box = drawn(letter, fonts).getchannel("A").getbbox()
        assert abs(box[3] - baseline) <= 3, (letter, box, baseline)
    box = drawn("𝓯𝓪𝓷𝓬𝔂 Alice", fonts).getchannel("A").getbbox()
    assert box[1] >= baseline - 1.2 * SIZE and box[3] <= baseline + 0.5 * SIZE, box


def test_regular_only_faces_get_a_synthetic_bold(fonts):
    assert "DroidSansFallback.ttf" in SYNTHETIC_BOLD and MATH_FONT not in SYNTHETIC_BOLD
    for text, thicken in (("李明", True), ("さくら", True), ("Alice", False), ("𝓯𝓪𝓷𝓬𝔂", False), ("नमस्ते", False)):
        (run,) = fonts.runs(text)
        face, flag = fonts.run_font(run, SIZE)
        assert flag is thicken and face.size == SIZE, text
    # the stroke really thickens: more ink than the plain face, same place
    plain = Image.new("RGBA", (3 * SIZE, 2 * SIZE), (0, 0, 0, 0))
    ImageDraw.Draw(plain).text((10, 60), "明", font=fonts.font("DroidSansFallback.ttf", SIZE), fill="white", anchor="ls")
    bold = Image.new("RGBA", plain.size, (0, 0, 0, 0))
    fonts.draw(bold, (10, 60), "明", SIZE, (255, 255, 255, 255))
    weight = lambda img: sum(i * n for i, n in enumerate(img.getchannel("A").histogram()))  # noqa: E731
    assert 1.15 < weight(bold) / weight(plain) < 1.8
    assert 0 < synthetic_bold_stroke(SIZE) < SIZE / 20
    assert fonts.run_font(Run(EMOJI_FONT, "🦄"), SIZE) == (fonts.font(EMOJI_FONT, 109), False)


def test_indic_and_thai_syllables_are_never_split():
    assert graphemes("नमस्ते") == ["न", "म", "स्ते"]
    assert graphemes("क्षत्रिय") == ["क्ष", "त्रि", "य"]
    assert graphemes("สวัสดี") == ["ส", "วั", "ส", "ดี"]
    assert graphemes("ขำ") == ["ขำ"]  # SARA AM belongs to its consonant
    assert graphemes("ខ្មែរ") == ["ខ្មែ", "រ"]
    assert graphemes("क्a") == ["क्", "a"]  # a virama joins only a letter of its own script


def test_long_devanagari_name_is_cut_on_syllables(fonts):
    name = "नमस्ते क्षत्रिय " * 6
    text, _ = fonts.fit(name, 200, 40, 20)
    assert text.endswith("…")
    assert all(cluster in graphemes(name) for cluster in graphemes(text[:-1]))


def test_every_chain_font_is_bundled_licensed_and_within_budget(fonts):
    from unicornia.systems.fonts import FONT_CHAIN

    assert fonts.chain == list(FONT_CHAIN)  # every font loads
    for name in FONT_CHAIN:
        if name.startswith("Noto") and name != EMOJI_FONT:
            with TTFont(FONTS / name, lazy=True) as font:
                assert "Open Font License" in (font["name"].getDebugName(13) or ""), name
    assert (FONTS / "LICENSE-Noto.txt").read_text().count("License: OFL-1.1") >= 1
    assert sum(p.stat().st_size for p in FONTS.iterdir()) <= FONT_BUDGET_BYTES


def test_right_to_left_names_keep_their_word_order(fonts):
    """An Arabic name of two words is one run (raqm lays its words out right to left); a name
    that starts right to left has its runs drawn last first; a left-to-right name is untouched."""
    assert [(r.font, r.text) for r in fonts.runs("محمد العتيبي")] == [("NotoSansArabic-Bold.ttf", "محمد العتيبي")]
    assert [r.text for r in fonts.runs("محمد 🦄 العتيبي")] == ["العتيبي", " ", "🦄", "محمد "]
    assert [r.text for r in fonts.runs("Bob محمد")] == ["Bob ", "محمد"]
    assert [r.text for r in fonts.runs("Zoë 🦄 Smith")] == ["Zoë ", "🦄", " Smith"]
    # drawn: the first word of the Arabic name is its rightmost ink, as its reader starts
    whole, first = drawn("محمد العتيبي", fonts).getchannel("A"), drawn("محمد", fonts).getchannel("A")
    (wl, _, wr, _), (fl, _, fr, _) = whole.getbbox(), first.getbbox()
    word = first.crop((fl, 0, fr, first.height))

    def differs(left: int) -> int:
        return sum(ImageChops.difference(whole.crop((left, 0, left + word.width, whole.height)), word).tobytes())

    assert differs(wr - word.width) < differs(wl) / 4
