"""Upload throughput of a 200 MB WAV through the API against writing it to the same disk directly.

The API side is the whole path: uvicorn on a free port, multipart parsing while streaming, sha256
and CID while writing, the validation gate (a full decode), fsync, the rename into place and the
database rows. The baseline writes the same bytes to the same filesystem and fsyncs them.
Then the analysis speed from bench/media_analysis.py.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf  # type: ignore[import-untyped]

from bench import media_analysis
from bench.support import api_server, migrated_database

SIZE_MB = 200
RATE = 44_100
TARGET_RATIO = 0.5
CHUNK = 1024 * 1024


def run() -> list[str]:
    """Measure both sides in the same run, on the same disk."""
    with tempfile.TemporaryDirectory(prefix="backbeat-bench-media-") as folder:
        root = Path(folder)
        wav = write_wav(root / "big.wav")
        size = wav.stat().st_size
        direct = direct_write(wav, root / "direct.bin")
        with migrated_database() as urls, api_server(urls, BACKBEAT_DATA_DIR=str(root)) as base:
            through_api = upload(base, wav)
    ratio = direct / through_api
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    mb = size / 1e6
    lines = [
        f"media upload: {mb / through_api:.0f} MB/s through the API vs {mb / direct:.0f} MB/s "
        f"direct write ({mb:.0f} MB WAV); ratio {ratio:.2f} ({verdict} the {TARGET_RATIO} target)"
    ]
    return lines + media_analysis.run()


def write_wav(path: Path) -> Path:
    """About SIZE_MB of stereo 16-bit noise-and-tone WAV, written in blocks."""
    frames = SIZE_MB * 1024 * 1024 // 4
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", RATE, 2, subtype="PCM_16", format="WAV") as out:
        for start in range(0, frames, RATE * 10):
            n = min(RATE * 10, frames - start)
            t = (start + np.arange(n)) / RATE
            tone = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(n)
            out.write(np.stack([tone, tone], axis=1).astype(np.float32))
    return path


def direct_write(source: Path, target: Path) -> float:
    """Seconds to copy the bytes in 1 MB writes and fsync them (the page cache is warm)."""
    started = time.perf_counter()
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def upload(base: str, wav: Path) -> float:
    """Seconds for one multipart upload to answer 201."""
    with httpx.Client(base_url=base, timeout=600) as http:
        signup = {"email": "bench@example.com", "password": "a long bench password 12345"}
        signup |= {"username": "bench", "display_name": "Bench"}
        token = http.post("/v1/auth/signup", json=signup).json()["access_token"]
        started = time.perf_counter()
        with open(wav, "rb") as file:
            response = http.post(
                "/v1/storage/project-audio/objects",
                files={"file": ("big.wav", file, "audio/wav")},
                headers={"Authorization": f"Bearer {token}"},
            )
        elapsed = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"upload failed: {response.status_code} {response.text}")
    return elapsed


if __name__ == "__main__":
    print("\n".join(run()))
