from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from backbeat.media.images import PRESETS, Preset, compress_image, make_thumbnail
from tests.media.factories import GPS_IFD, geotagged_jpeg, photo


def _loaded(frame: Image.Image) -> Image.Image:
    """WebP reports a frame's duration only once the frame is decoded."""
    frame.load()
    return frame


class TestPresets:
    @pytest.mark.parametrize(
        ("name", "quality", "max_side"),
        [("optimized", 80, 1200), ("balanced", 70, 1000), ("maximum", 60, 800)],
    )
    def test_values_from_the_seed(self, name: str, quality: int, max_side: int) -> None:
        assert PRESETS[name] == Preset(name, quality, max_side)


class TestCompressImage:
    def test_jpeg_is_capped_upright_and_stripped(self, tmp_path: Path) -> None:
        src = geotagged_jpeg(tmp_path / "in.jpg", (3000, 2000))
        assert Image.open(src).getexif().get_ifd(GPS_IFD)
        info = compress_image(src, tmp_path / "out.jpg", "optimized")
        assert (info.format, info.width, info.height) == ("jpeg", 800, 1200)
        with Image.open(tmp_path / "out.jpg") as out:
            assert out.format == "JPEG"
            assert out.size == (800, 1200)
            assert dict(out.getexif()) == {}
            assert "xmp" not in out.info
            assert "exif" not in out.info

    @pytest.mark.parametrize(("preset", "side"), [("balanced", 1000), ("maximum", 800)])
    def test_each_preset_caps_the_longest_side(
        self, tmp_path: Path, preset: str, side: int
    ) -> None:
        src = tmp_path / "in.png"
        photo((1600, 900)).save(src)
        info = compress_image(src, tmp_path / "out.png", preset)
        assert (info.format, max(info.width, info.height)) == ("png", side)
        assert Image.open(tmp_path / "out.png").format == "PNG"

    def test_lower_quality_gives_smaller_jpeg(self, tmp_path: Path) -> None:
        src = tmp_path / "in.jpg"
        Image.effect_noise((700, 700), 40).convert("RGB").save(src, quality=95)
        sizes = []
        for name in ("optimized", "maximum"):
            compress_image(src, tmp_path / f"{name}.jpg", name)
            sizes.append((tmp_path / f"{name}.jpg").stat().st_size)
        assert sizes[1] < sizes[0] < src.stat().st_size

    def test_small_images_are_not_enlarged(self, tmp_path: Path) -> None:
        src = tmp_path / "in.webp"
        photo((300, 200)).save(src, "WEBP")
        info = compress_image(src, tmp_path / "out.webp", "maximum")
        assert (info.format, info.width, info.height) == ("webp", 300, 200)

    def test_png_keeps_alpha(self, tmp_path: Path) -> None:
        src = tmp_path / "in.png"
        Image.new("RGBA", (2000, 1000), (10, 20, 30, 128)).save(src)
        compress_image(src, tmp_path / "out.png", "maximum")
        with Image.open(tmp_path / "out.png") as out:
            assert out.mode == "RGBA"
            assert out.getpixel((5, 5)) == pytest.approx((10, 20, 30, 128), abs=1)

    @pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
    def test_animation_keeps_every_frame_and_duration(self, tmp_path: Path, fmt: str) -> None:
        frames = [photo((1600, 1200)).rotate(30 * i) for i in range(4)]
        src, dst = tmp_path / f"in.{fmt.lower()}", tmp_path / f"out.{fmt.lower()}"
        durations = [100, 200, 300, 400]
        frames[0].save(src, fmt, save_all=True, append_images=frames[1:], duration=durations)
        info = compress_image(src, dst, "maximum")
        assert (info.frames, info.width, info.height) == (4, 800, 600)
        with Image.open(dst) as out:
            assert out.format == fmt
            assert [_loaded(f).info["duration"] for f in ImageSequence.Iterator(out)] == durations


class TestMakeThumbnail:
    def test_webp_thumbnail_fits_the_box_upright(self, tmp_path: Path) -> None:
        src = geotagged_jpeg(tmp_path / "in.jpg", (1200, 600))
        info = make_thumbnail(src, tmp_path / "thumb.webp")
        assert (info.format, info.width, info.height) == ("webp", 128, 256)
        with Image.open(tmp_path / "thumb.webp") as out:
            assert out.format == "WEBP"
            assert dict(out.getexif()) == {}

    def test_jpeg_thumbnail_flattens_alpha_on_white(self, tmp_path: Path) -> None:
        src = tmp_path / "in.png"
        Image.new("RGBA", (512, 512), (0, 0, 0, 0)).save(src)
        info = make_thumbnail(src, tmp_path / "thumb.jpg", 64, fmt="JPEG")
        assert (info.width, info.height) == (64, 64)
        with Image.open(tmp_path / "thumb.jpg") as out:
            assert min(out.convert("RGB").getpixel((32, 32))) > 245  # type: ignore[arg-type]

    def test_animated_gif_thumbnail_is_its_first_frame(self, tmp_path: Path) -> None:
        frames = [Image.new("RGB", (300, 300), colour) for colour in ("red", "blue")]
        src = tmp_path / "in.gif"
        frames[0].save(src, save_all=True, append_images=frames[1:], duration=50)
        make_thumbnail(src, tmp_path / "thumb.png", 32, fmt="PNG")
        with Image.open(tmp_path / "thumb.png") as out:
            red, _, blue = out.convert("RGB").getpixel((16, 16))  # type: ignore[misc]
            assert red > 200 > blue
