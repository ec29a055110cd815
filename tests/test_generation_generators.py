"""The pure parts of generation: the registry, shapes from references, the match, the seed's
variation, explanations, and the procedural generator's real, deterministic, analysable audio."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf  # type: ignore[import-untyped]
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat.errors import Unprocessable
from backbeat.media.analysis import analyse_audio
from backbeat.taste.generators import (
    GeneratorRegistry,
    Recipe,
    Reference,
    Rendered,
    Shape,
    energy_of,
    generators,
    key_name,
    match_percent,
    parse_key,
    shape_of,
)
from backbeat.taste.generators_procedural import PROCEDURAL, RATE
from backbeat.taste.service.generations_shaping import Influence, explain, vary

keys = st.sampled_from(["C", "Am", "F#", "Ebm", "G", "Bbm", "E"])
shapes = st.builds(Shape, st.floats(60, 200), keys, st.floats(0, 1))


class Silence:
    name = "silence"
    version = "0.1"

    def render(self, recipe: Recipe) -> Rendered:
        return Rendered(b"", "audio/wav", "wav")


class TestRegistry:
    def test_the_built_in_is_the_default(self) -> None:
        assert generators.get(None) is PROCEDURAL
        assert generators.get("backbeat-procedural") is PROCEDURAL

    def test_a_plugin_is_found_by_name_and_an_unknown_name_is_422(self) -> None:
        registry = GeneratorRegistry()
        registry.register(PROCEDURAL)
        silence = registry.register(Silence())
        assert registry.get("silence") is silence and registry.names() == [
            PROCEDURAL.name,
            "silence",
        ]
        with pytest.raises(Unprocessable, match="backbeat-procedural, silence"):
            registry.get("nobody")


class TestShape:
    def test_median_tempo_and_energy_and_the_commonest_key(self) -> None:
        refs = [Reference(120, "Am", -12), Reference(124, "Am", -18), Reference(200, "C", None)]
        assert shape_of(refs) == Shape(124.0, "Am", 0.625)

    def test_defaults_when_nothing_says(self) -> None:
        assert shape_of([]) == Shape(110.0, "Am", 0.6)
        assert shape_of([Reference(None, None, None)]) == Shape(110.0, "Am", 0.6)

    @pytest.mark.parametrize(("lufs", "energy"), [(-40, 0.0), (-30, 0.0), (-18, 0.5), (0, 1.0)])
    def test_energy_of_loudness(self, lufs: float, energy: float) -> None:
        assert energy_of(lufs) == energy

    @pytest.mark.parametrize("key", ["C", "C#m", "Eb", "F#m", "Bb", "Am"])
    def test_keys_round_trip(self, key: str) -> None:
        assert key_name(*parse_key(key)) == key


class TestMatch:
    @given(shapes)
    def test_a_shape_matches_itself_fully(self, shape: Shape) -> None:
        assert match_percent(shape, shape) == 100

    @given(shapes, shapes)
    def test_a_percentage_either_way(self, a: Shape, b: Shape) -> None:
        assert 0 <= match_percent(a, b) <= 100
        assert match_percent(a, b) == match_percent(b, a)

    def test_nearer_is_higher(self) -> None:
        wanted = Shape(120, "Am", 0.6)
        near, relative, far = Shape(122, "Am", 0.6), Shape(120, "C", 0.6), Shape(170, "F#", 0.1)
        assert match_percent(wanted, near) > match_percent(wanted, relative)
        assert match_percent(wanted, relative) > match_percent(wanted, far)
        assert match_percent(wanted, Shape(60, "Am", 0.6)) == 90  # half time: near


class TestVariation:
    @settings(max_examples=50)
    @given(shapes, st.sampled_from(["new", "similar", "radio"]), st.integers(0, 2**62))
    def test_stays_near_and_in_range(self, shape: Shape, mode: str, seed: int) -> None:
        made = vary(shape, mode, seed)
        assert made == vary(shape, mode, seed)
        assert 60 <= made.bpm <= 200 and 0 <= made.energy <= 1
        assert abs(made.bpm - shape.bpm) <= shape.bpm * 0.081 + 0.1 or made.bpm in (60, 200)
        assert match_percent(shape, made) >= (60 if mode == "radio" else 75)

    def test_extend_keeps_the_shape_and_similar_keeps_the_key(self) -> None:
        shape = Shape(128.0, "F#m", 0.7)
        assert vary(shape, "extend", 1) == shape
        assert all(vary(shape, "similar", seed).key == "F#m" for seed in range(20))
        assert {vary(shape, "radio", seed).key for seed in range(40)} == {"F#m", "A"}


class TestExplain:
    def influence(self, title: str) -> Influence:
        return Influence(uuid.uuid4(), title, "Luna", Reference(None, None, None))

    def test_names_up_to_three(self) -> None:
        names = [self.influence(t) for t in ("One", "Two", "Three", "Four")]
        assert explain("new", names, None) == (
            "Because you like One by Luna, Two by Luna and Three by Luna."
        )
        assert explain("similar", names[:1], None) == "Similar to One by Luna."
        assert explain("extend", names[:1], None) == "Extends One by Luna."

    def test_nothing_to_go_on(self) -> None:
        assert explain("new", [], None).startswith("Made from scratch (nothing you played yet)")
        assert explain("new", [], "spotify:track:1").startswith("Made from scratch (spotify")

    def test_an_external_source_is_named_with_the_taste_that_shaped_it(self) -> None:
        one = [self.influence("One")]
        assert explain("similar", [], "spotify:track:1") == "Similar to spotify:track:1."
        assert explain("radio", one, "spotify:track:1") == (
            "A radio piece from spotify:track:1, shaped by what you like (One by Luna)."
        )


class TestProcedural:
    def test_deterministic_for_a_recipe_and_different_for_another_seed(self) -> None:
        recipe = Recipe("new", Shape(120, "Am", 0.6), 3.0, 11)
        first, again = PROCEDURAL.render(recipe), PROCEDURAL.render(recipe)
        other = PROCEDURAL.render(Recipe("new", Shape(120, "Am", 0.6), 3.0, 12))
        assert first.data == again.data != other.data

    def test_a_real_wav_of_the_length_asked_that_never_clips(self) -> None:
        rendered = PROCEDURAL.render(Recipe("radio", Shape(97, "Eb", 1.0), 4.5, 5))
        samples, rate = sf.read(io.BytesIO(rendered.data))
        assert (rendered.content_type, rate, samples.ndim) == ("audio/wav", RATE, 1)
        assert len(samples) == int(4.5 * RATE)
        assert 0.85 < float(np.abs(samples).max()) < 0.9

    def test_energy_makes_it_louder(self) -> None:
        quiet = PROCEDURAL.synthesise(Recipe("new", Shape(110, "C", 0.1), 4.0, 1))
        loud = PROCEDURAL.synthesise(Recipe("new", Shape(110, "C", 0.9), 4.0, 1))
        assert float(np.sqrt(np.mean(loud**2))) > 1.5 * float(np.sqrt(np.mean(quiet**2)))

    @pytest.mark.parametrize(
        ("bpm", "key", "found"),
        [
            (120, "Am", "A minor"),
            (95, "F#", "F# major"),
            (128, "C", "C major"),
            (86, "Gm", "G minor"),
        ],
    )
    def test_analysis_finds_the_tempo_and_key_again(
        self, tmp_path: Path, bpm: float, key: str, found: str
    ) -> None:
        path = tmp_path / "made.wav"
        path.write_bytes(PROCEDURAL.render(Recipe("new", Shape(bpm, key, 0.6), 12.0, 7)).data)
        analysis = analyse_audio(path)
        assert analysis.bpm == pytest.approx(bpm, rel=0.02)
        assert analysis.key == found
