"""A scripted DAW editing session: a realistic project document (tracks, clips, automation,
mixer) and a stream of the small JSON Patches a DAW sends while someone works on it. The demo
loads one; the benchmark saves a 250 KB one a thousand times."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

from backbeat.studio.documents import apply_patch

INSTRUMENTS = ("Kick", "Snare", "Hats", "808", "Keys", "Pad", "Lead", "Vox", "FX", "Strings")
PLUGINS = ("MixxDrive", "MixxTune", "MixxVerb", "MixxComp", "MixxEQ")


def _clip(rng: random.Random, track: int, n: int) -> dict[str, Any]:
    return {
        "id": f"clip-{track}-{n}",
        "start": n * 4.0,
        "length": rng.choice([1.0, 2.0, 4.0]),
        "gain": round(rng.uniform(-6, 0), 2),
        "fade_in": 0.0,
        "fade_out": 0.05,
        "source": {"object": f"take-{track}-{n % 5}", "offset": round(rng.uniform(0, 2), 3)},
    }


def _track(rng: random.Random, n: int, clips: int, points: int) -> dict[str, Any]:
    return {
        "id": f"track-{n}",
        "name": f"{INSTRUMENTS[n % len(INSTRUMENTS)]} {n // len(INSTRUMENTS) + 1}",
        "volume": round(rng.uniform(0.5, 1.0), 3),
        "pan": round(rng.uniform(-0.5, 0.5), 3),
        "mute": False,
        "solo": False,
        "color": f"#{rng.randrange(0xFFFFFF):06x}",
        "clips": [_clip(rng, n, c) for c in range(clips)],
        "automation": {
            "volume": [[round(p * 0.5, 2), round(rng.uniform(0.4, 1.0), 3)] for p in range(points)]
        },
        "inserts": [
            {
                "id": f"fx-{n}-{i}",
                "plugin": PLUGINS[(n + i) % len(PLUGINS)],
                "params": {"mix": 0.5, "drive": round(rng.uniform(0, 1), 2)},
            }
            for i in range(2)
        ],
    }


def project_document(
    *, tracks: int = 8, clips: int = 8, points: int = 16, seed: int = 7
) -> dict[str, Any]:
    """A project document; 24 tracks × 20 clips × 150 points is about 250 KB."""
    rng = random.Random(seed)
    return {
        "format": "mixclub/1",
        "tempo": {"bpm": 140, "time_signature": "4/4"},
        "tracks": [_track(rng, n, clips, points) for n in range(tracks)],
        "mixer": {
            "master": {"volume": 0.9, "limiter": {"ceiling": -1.0, "release": 0.05}},
            "buses": [{"id": "bus-drums", "volume": 0.8}, {"id": "bus-music", "volume": 0.7}],
        },
        "markers": [{"id": f"m{n}", "at": n * 16.0, "name": f"Section {n}"} for n in range(6)],
    }


def _edit(rng: random.Random, document: dict[str, Any], step: int) -> list[dict[str, Any]]:
    """One small edit, as a DAW would send it after a gesture."""
    t = rng.randrange(len(document["tracks"]))
    track = document["tracks"][t]
    kind = rng.choice(("volume", "pan", "move", "automation", "clip", "mute", "fx"))
    if kind == "volume":
        return [
            {"op": "replace", "path": f"/tracks/{t}/volume", "value": round(rng.uniform(0.3, 1), 3)}
        ]
    if kind == "pan":
        return [
            {"op": "replace", "path": f"/tracks/{t}/pan", "value": round(rng.uniform(-1, 1), 3)}
        ]
    if kind == "move" and track["clips"]:
        c = rng.randrange(len(track["clips"]))
        start = track["clips"][c]["start"] + rng.choice((-1.0, 1.0, 0.5))
        return [{"op": "replace", "path": f"/tracks/{t}/clips/{c}/start", "value": max(start, 0.0)}]
    if kind == "automation":
        point = [round(rng.uniform(0, 64), 2), round(rng.uniform(0, 1), 3)]
        return [{"op": "add", "path": f"/tracks/{t}/automation/volume/-", "value": point}]
    if kind == "clip":
        clip = _clip(rng, t, 1000 + step)
        return [{"op": "add", "path": f"/tracks/{t}/clips/-", "value": clip}]
    if kind == "mute":
        return [{"op": "replace", "path": f"/tracks/{t}/mute", "value": not track["mute"]}]
    return [
        {
            "op": "replace",
            "path": f"/tracks/{t}/inserts/0/params/drive",
            "value": round(rng.uniform(0, 1), 2),
        }
    ]


def editing_session(
    document: dict[str, Any], saves: int, *, seed: int = 11
) -> Iterator[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """`saves` patches, each with the document after it (one copy of the input, patched in place:
    a caller keeping a yielded document copies it before asking for the next)."""
    rng = random.Random(seed)
    current = copy.deepcopy(document)
    for step in range(saves):
        patch = _edit(rng, current, step)
        current = apply_patch(current, patch, in_place=True)
        yield patch, current
