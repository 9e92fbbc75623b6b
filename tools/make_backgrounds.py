"""Draw the bundled card backgrounds in unicornia/data/backgrounds/ (run once; outputs are committed).

They are our own procedural art, so they ship under the project's licence.  800x392 is
NadekoBot's card size, which Unicornia keeps.
"""
from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SIZE = (800, 392)
OUT = Path(__file__).resolve().parent.parent / "unicornia" / "data" / "backgrounds"


def gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    w, h = SIZE
    column = Image.new("RGB", (1, h))
    for y in range(h):
        t = y / (h - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))
    return column.resize(SIZE)


def default() -> Image.Image:
    img = gradient((32, 24, 64), (12, 10, 28))
    draw = ImageDraw.Draw(img, "RGBA")
    for i in range(0, 1200, 40):  # soft diagonal stripes
        draw.line([(i, 0), (i - 400, 392)], fill=(255, 255, 255, 10), width=14)
    return img


def sunset() -> Image.Image:
    img = gradient((255, 140, 90), (90, 40, 120))
    draw = ImageDraw.Draw(img, "RGBA")
    draw.ellipse((520, 170, 720, 370), fill=(255, 220, 120, 200))
    for n, y in enumerate(range(300, 392, 14)):
        draw.rectangle((0, y, 800, y + 6), fill=(40, 20, 60, 60 + n * 15))
    return img.filter(ImageFilter.GaussianBlur(1))


def ocean() -> Image.Image:
    img = gradient((20, 110, 160), (5, 30, 70))
    draw = ImageDraw.Draw(img, "RGBA")
    for k in range(6):
        points = [(x, 200 + k * 30 + 12 * math.sin(x / 60 + k)) for x in range(0, 801, 10)]
        draw.line(points, fill=(255, 255, 255, 40), width=3)
    return img


def aurora_frames(count: int = 24) -> list[Image.Image]:
    frames = []
    for f in range(count):
        img = gradient((8, 12, 40), (2, 4, 16))
        draw = ImageDraw.Draw(img, "RGBA")
        phase = 2 * math.pi * f / count
        for band, colour in enumerate(((60, 255, 170), (120, 160, 255), (200, 90, 255))):
            pts = [(x, 120 + band * 50 + 40 * math.sin(x / 90 + phase + band)) for x in range(-20, 821, 20)]
            for width, alpha in ((40, 30), (18, 60), (6, 120)):
                draw.line(pts, fill=(*colour, alpha), width=width)
        frames.append(img.filter(ImageFilter.GaussianBlur(3)).quantize(colors=64, method=Image.Quantize.MEDIANCUT))
    return frames


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in (("default", default), ("sunset", sunset), ("ocean", ocean)):
        draw().save(OUT / f"{name}.png", optimize=True)
    frames = aurora_frames()
    frames[0].save(OUT / "aurora.gif", save_all=True, append_images=frames[1:], duration=80, loop=0, optimize=True)


if __name__ == "__main__":
    main()
