"""Per-character font fallback: mixed-script names drawn with every glyph some bundled font has.

Text is split into grapheme clusters (so an emoji sequence, a letter with its accents or an
Indic syllable is never split), each cluster gets the first font in the chain that has its base
character, and consecutive clusters with the same font are drawn as one run (so Arabic, Indic
and Thai text shapes and joins through raqm).  Two exceptions to the chain order: the styled
letters Unicode marks as font variants (𝓯𝓪𝓷𝓬𝔂, 𝕕𝕠𝕦𝕓𝕝𝕖, 𝖋𝖗𝖆𝖐𝖙𝖚𝖗, ℬ, ℌ...) all come from the math font
so a name is drawn in one style, and colour emoji come from a bitmap font drawn at its native
size and scaled.  Fonts that exist only in a regular weight are thickened with a stroke
(a synthetic bold) so they do not look thin beside the bold text around them.
"""
from __future__ import annotations

import logging
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger("red.unicornia.fonts")

#: Fallback order: a character is drawn with the first font here that has it.  The script fonts
#: come before the CJK, emoji and symbol fonts, whose broad coverage would otherwise take their
#: shared characters; the last fonts only fill the gaps the others leave.
FONT_CHAIN = (
    "NotoSans-Bold.ttf",  # Latin, Greek, Cyrillic
    "NotoSansArabic-Bold.ttf",
    "NotoSansHebrew-Bold.ttf",
    "NotoSansArmenian-Bold.ttf",
    "NotoSansGeorgian-Bold.ttf",
    "NotoSansThaana-Bold.ttf",
    "NotoSansEthiopic-Bold.ttf",
    "NotoSansDevanagari-Bold.ttf",
    "NotoSansBengali-Bold.ttf",
    "NotoSansGurmukhi-Bold.ttf",
    "NotoSansGujarati-Bold.ttf",
    "NotoSansOriya-Bold.ttf",
    "NotoSansTamil-Bold.ttf",
    "NotoSansTelugu-Bold.ttf",
    "NotoSansKannada-Bold.ttf",
    "NotoSansMalayalam-Bold.ttf",
    "NotoSansSinhala-Bold.ttf",
    "NotoSansThai-Bold.ttf",
    "NotoSansLao-Bold.ttf",
    "NotoSansMyanmar-Bold.ttf",
    "NotoSansKhmer-Bold.ttf",
    "NotoSerifTibetan-Bold.ttf",  # Noto has no sans Tibetan
    "NotoSansMongolian-Regular.ttf",
    "NotoSansCherokee-Bold.ttf",  # also the Ꭺ Ᏼ Ꮯ of "fancy text"
    "NotoSansCanadianAboriginal-Bold.ttf",  # also ᗩ ᗷ ᑕ
    "NotoSansVai-Regular.ttf",  # also ꕤ ꔫ
    "DroidSansFallback.ttf",  # Chinese, Japanese, Korean
    "NotoColorEmoji.ttf",
    "DejaVuSans-Bold.ttf",  # a broad symbol font
    "NotoSansMath-Regular.ttf",  # mathematical alphanumerics (see MATH_FONT) and math symbols
    "NotoSansSymbols-Bold.ttf",  # Ⓐ ⓑ 🄰 ⒜ and other symbols
    "NotoSansSymbols2-Regular.ttf",  # ⭑ ⭒ ⯎
    "NotoSansYi-Regular.ttf",  # Yi radicals: the ꒰ ꒱ brackets of decorated names
    "NotoSansEgyptianHieroglyphs-Regular.ttf",  # also the 𓆩 𓆪 𓂃 of decorated names
)
LABEL_FONT = "NotoSans-Regular.ttf"
EMOJI_FONT = "NotoColorEmoji.ttf"
EMOJI_NATIVE_SIZE = 109  # CBDT colour bitmaps exist at this size only
#: Draws every character Unicode marks as a font variant of a letter or digit (decomposition
#: ``<font>``: U+1D400-1D7FF and the letterlike ℂ ℊ ℋ ℌ ℓ ℬ ℯ ...), whatever font comes first.
MATH_FONT = "NotoSansMath-Regular.ttf"
#: Fonts with no bold weight, thickened when drawn.  Not the math font (𝒜 and 𝓐 differ in weight
#: by code point: the user chose it) and not the colour emoji.  Droid Sans Fallback is the CJK
#: font: Noto Sans CJK Bold would add 20 MB (9 MB cut to the GB2312, JIS, KS X and Big5 sets).
SYNTHETIC_BOLD = frozenset({
    "DroidSansFallback.ttf", "NotoSansVai-Regular.ttf", "NotoSansSymbols2-Regular.ttf",
    "NotoSansYi-Regular.ttf", "NotoSansMongolian-Regular.ttf", "NotoSansEgyptianHieroglyphs-Regular.ttf",
})
SYNTHETIC_BOLD_STROKE = 1 / 36  # stroke width per pixel of font size: close to Noto Sans Bold
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"

_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}
_SPACING_VOWELS = {0x0E33, 0x0EB3}  # Thai and Lao SARA AM: letters that behave as vowel signs


def _extends_cluster(cp: int, ch: str) -> bool:
    return (
        cp in _JOINERS
        or unicodedata.category(ch) in ("Mn", "Mc", "Me")  # accents, vowel signs, viramas
        or cp in _SPACING_VOWELS
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tag sequences (subdivision flags)
    )


def _continues_conjunct(last: str, ch: str) -> bool:
    """A letter after a virama of its script (Indic halant, Khmer coeng) joins it in one conjunct."""
    virama = last[-1]
    return (unicodedata.combining(virama) == 9 and unicodedata.category(ch) == "Lo"
            and ord(virama) >> 7 == ord(ch) >> 7)  # same 128-code-point script block


def _is_regional(cp: int) -> bool:
    return 0x1F1E6 <= cp <= 0x1F1FF


def is_font_variant(ch: str) -> bool:
    """True for a styled letter or digit (𝓯, 𝕕, 𝖋, ℬ, ℯ): Unicode's ``<font>`` decomposition."""
    return unicodedata.decomposition(ch).startswith("<font>")


def yield_gil() -> None:
    """Let other threads (the event loop above all) run: text layout is Python-heavy work."""
    time.sleep(0)


def graphemes(text: str) -> list[str]:
    """Split ``text`` into user-perceived characters (a practical subset of UAX #29)."""
    clusters: list[str] = []
    for ch in text:
        cp = ord(ch)
        if clusters:
            last = clusters[-1]
            if _extends_cluster(cp, ch) or last.endswith("\u200d") or _continues_conjunct(last, ch):
                clusters[-1] += ch
                continue
            if _is_regional(cp) and len(last) == 1 and _is_regional(ord(last)):
                clusters[-1] += ch  # a flag is a pair of regional indicators
                continue
        clusters.append(ch)
    return clusters


def synthetic_bold_stroke(size: int) -> float:
    """The stroke that makes a regular face at ``size`` pixels about as heavy as Noto Sans Bold."""
    return size * SYNTHETIC_BOLD_STROKE


@dataclass(frozen=True, slots=True)
class Run:
    font: str
    text: str


class FontSet:
    """The bundled fonts, their character maps, and drawing with fallback."""

    def __init__(self, fonts_dir: Path) -> None:
        self.fonts_dir = Path(fonts_dir)
        self.chain: list[str] = []
        self._cmaps: dict[str, frozenset[int]] = {}
        for name in FONT_CHAIN:
            cmap = self._read_cmap(name)
            if cmap:
                self.chain.append(name)
                self._cmaps[name] = cmap
        if (self.fonts_dir / LABEL_FONT).is_file():
            self.label_name = LABEL_FONT
        else:
            self.label_name = self.chain[0] if self.chain else ""
        self.label_path = self.fonts_dir / (self.label_name or LABEL_FONT)
        if not self.chain:
            log.error("No bundled fonts found in %s; cards fall back to Pillow's built-in font", self.fonts_dir)
        self._local = threading.local()  # FreeType faces are not shared between threads

    def _read_cmap(self, name: str) -> frozenset[int]:
        path = self.fonts_dir / name
        try:
            from fontTools.ttLib import TTFont

            with TTFont(path, lazy=True) as font:
                return frozenset(font["cmap"].getBestCmap())
        except Exception as exc:
            log.warning("Font %s is unusable (%s); it is left out of the fallback chain", path, exc)
            return frozenset()

    # --- choosing fonts ----------------------------------------------------------------------
    def _font_for(self, cluster: str) -> str:
        base = next((c for c in cluster if ord(c) not in _JOINERS), cluster[0])
        cp = ord(base)
        emoji_style = "\ufe0f" in cluster or cp >= 0x1F000 or len(cluster) > 1 and "\u200d" in cluster
        if emoji_style and cp in self._cmaps.get(EMOJI_FONT, ()):
            return EMOJI_FONT
        if cp in self._cmaps.get(MATH_FONT, ()) and is_font_variant(base):
            return MATH_FONT
        for name in self.chain:
            if name == EMOJI_FONT and not emoji_style and cp < 0x2000:
                continue  # digits and '#' are in the emoji font for keycaps; draw them as text
            if cp in self._cmaps[name]:
                return name
        return self.chain[0] if self.chain else ""

    def runs(self, text: str) -> list[Run]:
        """The text's runs in the order they are drawn, left to right.

        A space or punctuation stays in the run before it when that font has it, so words of
        one script separated by spaces are one run that raqm lays out as a whole (the words of
        an Arabic name in their right-to-left order).  A name whose first strong letter is
        right-to-left (Arabic, Hebrew, Thaana ...) has its runs drawn from the last to the
        first, as its reader reads them."""
        out: list[Run] = []
        for cluster in graphemes(text):
            font = self._font_for(cluster)
            if out and out[-1].font not in (font, EMOJI_FONT) and _neutral(cluster) and ord(cluster[0]) in \
                    self._cmaps.get(out[-1].font, ()):
                font = out[-1].font
            if out and out[-1].font == font:
                out[-1] = Run(font, out[-1].text + cluster)
            else:
                out.append(Run(font, cluster))
        if len(out) > 1 and _right_to_left(text):
            out.reverse()
        return out

    # --- measuring and drawing ---------------------------------------------------------------
    def font(self, name: str, size: int) -> ImageFont.FreeTypeFont:
        cache = getattr(self._local, "fonts", None)
        if cache is None:
            cache = self._local.fonts = {}
        key = (name, size)
        font = cache.get(key)
        if font is None:
            if name:
                font = ImageFont.truetype(str(self.fonts_dir / name), size)
            else:
                font = ImageFont.load_default(size)
            if len(cache) > 64:
                cache.clear()
            cache[key] = font
        return font

    def run_font(self, run: Run, size: int) -> tuple[ImageFont.FreeTypeFont, bool]:
        """The face to draw ``run`` with at ``size``, and whether to thicken it (synthetic bold).

        Callers drawing a run themselves pass ``stroke_width=synthetic_bold_stroke(size)`` and
        ``stroke_fill`` equal to the fill when the flag is set.  Emoji runs need ``draw``:
        their face is the colour font at its native size.
        """
        if run.font == EMOJI_FONT:
            return self.font(EMOJI_FONT, EMOJI_NATIVE_SIZE), False
        return self.font(run.font, size), run.font in SYNTHETIC_BOLD

    def _run_width(self, run: Run, size: int) -> float:
        if run.font == EMOJI_FONT:
            return self.font(EMOJI_FONT, EMOJI_NATIVE_SIZE).getlength(run.text) * size / EMOJI_NATIVE_SIZE
        return self.font(run.font, size).getlength(run.text)

    def width(self, text: str, size: int) -> float:
        return sum(self._run_width(run, size) for run in self.runs(text))

    def fit(self, text: str, max_width: float, size: int, min_size: int) -> tuple[str, int]:
        """Shrink until ``text`` fits; at ``min_size`` cut whole clusters and add an ellipsis."""
        width = self.width(text, size)
        if width <= max_width:
            return text, size
        # text width grows about linearly with the size: start from the estimate, then verify
        candidate = max(min_size, min(size - 1, int(size * max_width / width)))
        while candidate >= min_size:
            if self.width(text, candidate) <= max_width:
                return text, candidate
            candidate -= 1 if candidate - min_size < 4 else 2
        clusters = graphemes(text)
        while clusters:
            clusters.pop()
            shortened = "".join(clusters).rstrip() + ELLIPSIS
            if self.width(shortened, min_size) <= max_width:
                return shortened, min_size
        return ELLIPSIS, min_size

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str, size: int,
             fill: tuple[int, ...], *, anchor_right: bool = False) -> float:
        """Draw ``text`` with its baseline at ``xy[1]``; returns the width drawn."""
        x, baseline = xy
        if anchor_right:
            x -= self.width(text, size)
        start = x
        draw = ImageDraw.Draw(image)
        for run in self.runs(text):
            if run.font == EMOJI_FONT:
                x += self._draw_emoji(image, (x, baseline), run.text, size)
            else:
                font, thicken = self.run_font(run, size)
                stroke = synthetic_bold_stroke(size) if thicken else 0
                draw.text((x, baseline), run.text, font=font, fill=fill, anchor="ls",
                          stroke_width=stroke, stroke_fill=fill if stroke else None)
                x += font.getlength(run.text)
            yield_gil()
        return x - start

    def _draw_emoji(self, image: Image.Image, xy: tuple[float, float], text: str, size: int) -> float:
        font = self.font(EMOJI_FONT, EMOJI_NATIVE_SIZE)
        width = max(1, int(font.getlength(text)))
        canvas = Image.new("RGBA", (width, int(EMOJI_NATIVE_SIZE * 1.3)), (0, 0, 0, 0))
        native_baseline = EMOJI_NATIVE_SIZE
        ImageDraw.Draw(canvas).text((0, native_baseline), text, font=font, embedded_color=True, anchor="ls")
        scale = size / EMOJI_NATIVE_SIZE
        scaled = canvas.resize((max(1, round(canvas.width * scale)), max(1, round(canvas.height * scale))),
                               Image.Resampling.LANCZOS)
        x, baseline = xy
        image.alpha_composite(scaled, (round(x), round(baseline - native_baseline * scale))) if image.mode == "RGBA" \
            else image.paste(scaled, (round(x), round(baseline - native_baseline * scale)), scaled)
        return canvas.width * scale


def _neutral(cluster: str) -> bool:
    """A space or punctuation mark: it takes the direction and font of the text around it."""
    return len(cluster) == 1 and unicodedata.bidirectional(cluster) in ("WS", "ON", "CS", "ES", "ET")


def _right_to_left(text: str) -> bool:
    """Whether the first strong letter of ``text`` is written right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False

