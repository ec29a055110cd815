"""Image compression presets and thumbnails that keep the format and drop location metadata.

Every output is written from pixels plus an explicit allow-list of metadata (ICC colour profile,
GIF/WebP timing and transparency): EXIF (GPS, camera serials), XMP and comments never reach it.
EXIF orientation is applied to the pixels first, so dropping EXIF does not turn photos sideways.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, ImageSequence

from backbeat.media.probe import ImageInfo


@dataclass(frozen=True)
class Preset:
    """A compression level: lossy quality (1-100) and the longest side in pixels."""

    name: str
    quality: int
    max_side: int


PRESETS: dict[str, Preset] = {
    "optimized": Preset("optimized", 80, 1200),
    "balanced": Preset("balanced", 70, 1000),
    "maximum": Preset("maximum", 60, 800),
}
THUMBNAIL_QUALITY = 75
_KEPT_INFO = ("icc_profile", "transparency")
_RESAMPLE = Image.Resampling.LANCZOS


def compress_image(src: str | Path, dst: str | Path, preset: str | Preset) -> ImageInfo:
    """Re-encode in the same format, longest side capped, metadata reduced to the allow-list."""
    chosen = PRESETS[preset] if isinstance(preset, str) else preset
    with Image.open(src) as image:
        fmt = image.format or ""
        if getattr(image, "is_animated", False) and fmt in ("GIF", "WEBP"):
            return _save_animated(image, dst, fmt, chosen)
        still = _fit(_upright(image), chosen.max_side)
        still.save(dst, format=fmt, **_encoder_options(fmt, still, chosen.quality))
        return ImageInfo(fmt.lower(), still.width, still.height, 1)


def make_thumbnail(
    src: str | Path, dst: str | Path, size: int = 256, *, fmt: str = "WEBP"
) -> ImageInfo:
    """The first frame, upright, fitted in a size x size box; WebP keeps alpha and stays small."""
    with Image.open(src) as image:
        image.seek(0)
        still = _fit(_upright(image), size)
        if fmt == "JPEG":
            still = _without_alpha(still)
        still.save(dst, format=fmt, **_encoder_options(fmt, still, THUMBNAIL_QUALITY))
        return ImageInfo(fmt.lower(), still.width, still.height, 1)


def _upright(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation to the pixels (a copy, with the orientation tag gone)."""
    return ImageOps.exif_transpose(image) or image.copy()


def _fit(image: Image.Image, max_side: int) -> Image.Image:
    """Shrink (never enlarge) to fit max_side, resampling in a mode where LANCZOS works."""
    if image.mode == "P" or image.mode == "1":
        has_alpha = "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    fitted = image.copy()
    fitted.thumbnail((max_side, max_side), _RESAMPLE)
    fitted.info = {key: image.info[key] for key in _KEPT_INFO if key in image.info}
    return fitted


def _without_alpha(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: composite on white rather than letting transparent pixels go black."""
    if image.mode in ("RGB", "L", "CMYK"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flattened = Image.alpha_composite(background, rgba).convert("RGB")
    flattened.info = dict(image.info)
    return flattened


def _encoder_options(fmt: str, image: Image.Image, quality: int) -> dict[str, Any]:
    """Per-format encoder settings; metadata passed explicitly so nothing else is written."""
    options: dict[str, Any] = {"exif": b""}
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    if fmt == "JPEG":
        options.update(quality=quality, optimize=True, progressive=True)
    elif fmt == "WEBP":
        options.update(quality=quality, method=4)
    elif fmt == "PNG":
        options.update(optimize=True)
    return options


def _save_animated(image: Image.Image, dst: str | Path, fmt: str, preset: Preset) -> ImageInfo:
    """Every frame resized alike, with its own duration; loop count kept."""
    frames: list[Image.Image] = []
    durations: list[int] = []
    for frame in ImageSequence.Iterator(image):
        rgba = frame.convert("RGBA")  # loads the frame, which is when WebP reports its duration
        durations.append(int(frame.info.get("duration", 100)))
        frames.append(_fit(rgba, preset.max_side))
    options = _encoder_options(fmt, frames[0], preset.quality)
    if fmt == "GIF":
        options = {"optimize": True, "disposal": 2}
    first, rest = frames[0], frames[1:]
    loop = int(image.info.get("loop", 0))
    first.save(
        dst, format=fmt, save_all=True, append_images=rest, duration=durations, loop=loop, **options
    )
    return ImageInfo(fmt.lower(), first.width, first.height, len(frames))
