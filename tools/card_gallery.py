"""Draw the README's card gallery into docs/cards/ (`make gallery`): one PNG per sample in
tools/card_samples.py, rendered by the real card generator."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.card_samples import DATA, SAMPLES, card  # noqa: E402
from unicornia.systems.card_generator import CardGenerator  # noqa: E402

OUT = ROOT / "docs" / "cards"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    generator = CardGenerator(DATA / "fonts")
    try:
        for name in SAMPLES:
            rendered = generator.render_sync(card(name))
            path = OUT / f"{name}.png"
            path.write_bytes(rendered.data)
            print(f"{path.relative_to(ROOT)} ({len(rendered.data) // 1024} KiB)")
    finally:
        generator.close()


if __name__ == "__main__":
    main()
