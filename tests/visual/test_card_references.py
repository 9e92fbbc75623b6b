"""Visual regression: each sample card (tools/card_samples.py: every style, huge numbers, long
names, tiny and full progress, several scripts, German) is drawn and compared with its reference
PNG in tests/visual/references/, within a tolerance, so a layout regression fails the suite.

After an intended change, look at the new cards (`make gallery` writes the same samples to
docs/cards/), then regenerate the references:

    UNICORNIA_UPDATE_REFERENCES=1 .venv/bin/python -m pytest -q tests/visual

A failing comparison leaves the card drawn now and a difference image in build/visual/.
"""
import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from tools.card_samples import DATA, SAMPLES, card
from unicornia.systems.card_generator import CardGenerator

REFERENCES = Path(__file__).resolve().parent / "references"
FAILURES = Path(__file__).resolve().parents[2] / "build" / "visual"
UPDATE = os.environ.get("UNICORNIA_UPDATE_REFERENCES") == "1"
#: Mean absolute difference per channel (0-255) a card may have from its reference: room for
#: FreeType or zlib builds that differ by a shade, none for a moved or missing element.
MAX_MEAN_DIFFERENCE = 1.0
#: Share of pixels that may differ by more than ``CHANGED_PIXEL`` (a word moved by 2 px is more).
MAX_CHANGED_SHARE = 0.004
CHANGED_PIXEL = 48


@pytest.fixture(scope="module")
def generator():
    gen = CardGenerator(DATA / "fonts")
    yield gen
    gen.close()


def difference(drawn: Image.Image, reference: Image.Image) -> tuple[float, float, Image.Image]:
    """(mean absolute difference, share of pixels changed a lot, the difference image)."""
    diff = ImageChops.difference(drawn, reference)
    histogram = diff.histogram()  # 256 bins per channel
    channels = len(histogram) // 256
    pixels = drawn.width * drawn.height
    mean = sum(value * count for i, count in enumerate(histogram) for value in [i % 256]) / (pixels * channels)
    strongest = diff.convert("L").point(lambda v: 255 if v * 3 > CHANGED_PIXEL else 0)  # luma of the difference
    changed = strongest.histogram()[255] / pixels
    return mean, changed, diff


@pytest.mark.parametrize("name", SAMPLES)
def test_card_matches_its_reference(generator, name):
    drawn = Image.open(io.BytesIO(generator.render_sync(card(name)).data)).convert("RGB")
    path = REFERENCES / f"{name}.png"
    if UPDATE:
        REFERENCES.mkdir(parents=True, exist_ok=True)
        drawn.save(path, format="PNG", optimize=True)
        pytest.skip(f"reference {path.name} written")
    assert path.exists(), f"no reference for {name}: run with UNICORNIA_UPDATE_REFERENCES=1"
    reference = Image.open(path).convert("RGB")
    assert drawn.size == reference.size
    mean, changed, diff = difference(drawn, reference)
    if mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE:
        FAILURES.mkdir(parents=True, exist_ok=True)
        drawn.save(FAILURES / f"{name}.png")
        diff.point(lambda v: min(255, v * 4)).save(FAILURES / f"{name}-diff.png")
        pytest.fail(f"{name} differs from its reference: mean {mean:.2f} (at most {MAX_MEAN_DIFFERENCE}), "
                    f"{changed:.2%} of pixels changed (at most {MAX_CHANGED_SHARE:.2%}); see {FAILURES}")


def test_the_comparison_catches_a_moved_word(generator):
    """The tolerance is tight enough: the same card with its name two pixels lower fails it."""
    from dataclasses import replace

    from unicornia.core.card_layout import STYLES

    data = card("aurora")
    style = STYLES["aurora"]
    moved = replace(style, name_slot=replace(style.name_slot, baseline=style.name_slot.baseline + 2))
    normal = generator.painter.paint(data, style)
    shifted = generator.painter.paint(data, moved)
    mean, changed, _ = difference(normal.convert("RGB"), shifted.convert("RGB"))
    assert mean > MAX_MEAN_DIFFERENCE or changed > MAX_CHANGED_SHARE, (mean, changed)
