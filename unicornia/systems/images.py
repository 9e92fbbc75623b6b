"""Checking untrusted image bytes before anything decodes them in full."""
from __future__ import annotations

import io
import warnings

from PIL import Image

ALLOWED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
#: Largest picture accepted (about 16.7 megapixels, e.g. 4096x4096).
MAX_PIXELS = 4096 * 4096
#: Largest animation accepted, all frames together.
MAX_ANIMATION_PIXELS = 200_000_000


class ImageRejected(ValueError):
    """The bytes are not an image Unicornia will draw; the message is safe to show members."""


def check_image(data: bytes, *, max_pixels: int = MAX_PIXELS, max_animation_pixels: int = MAX_ANIMATION_PIXELS) -> str:
    """Return the format of ``data`` if it is a sane image; raise :class:`ImageRejected` otherwise.

    The size comes from the header, before any pixel is decoded, so a decompression bomb
    is refused without being inflated; then the first frame is decoded to prove it is whole.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ALLOWED_FORMATS:
                    raise ImageRejected(f"{img.format or 'unknown'} images aren't supported")
                width, height = img.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise ImageRejected(f"the image is too large ({width}x{height})")
                frames = getattr(img, "n_frames", 1)
                if frames * width * height > max_animation_pixels:
                    raise ImageRejected(f"the animation is too large ({frames} frames of {width}x{height})")
                img.load()
                return img.format
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("the image is too large") from None
    except Exception:
        raise ImageRejected("the file is not a readable image") from None
