"""The pure document code: patches, history rebuilt from checkpoints, the three-way merge."""

from __future__ import annotations

import copy
from typing import Any

import jsonpointer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backbeat.studio import documents
from backbeat.studio.history import StoredVersion, is_checkpoint, rebuild

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.text(max_size=6),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)
document_strategy = st.dictionaries(st.text(max_size=4), values, max_size=5)


def _paths(value: Any, prefix: str = "") -> list[str]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, f"{prefix}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, f"{prefix}/{index}")
    return found


@st.composite
def edit(draw: st.DrawFn, document: Any) -> Any:
    """The document after one random edit (replace, add or remove somewhere)."""
    result = copy.deepcopy(document)
    path = draw(st.sampled_from(_paths(result)))
    action = draw(st.sampled_from(["replace", "add", "remove"]))
    if path == "":
        return draw(document_strategy) if action == "replace" else result
    parent_path, _, last = path.rpartition("/")
    parent = jsonpointer.resolve_pointer(result, parent_path)
    key: Any = int(last) if isinstance(parent, list) else last.replace("~1", "/").replace("~0", "~")
    if action == "remove":
        del parent[key]
    elif action == "add" and isinstance(parent, list):
        parent.insert(key, draw(values))
    elif action == "add":
        parent[draw(st.text(max_size=4))] = draw(values)
    else:
        parent[key] = draw(values)
    return result


@st.composite
def histories(draw: st.DrawFn) -> list[Any]:
    saved = [draw(document_strategy)]
    for _ in range(draw(st.integers(1, 12))):
        saved.append(draw(edit(saved[-1])))
    return saved


def stored(saved: list[Any], every: int) -> list[StoredVersion]:
    rows = []
    for number, document in enumerate(saved, start=1):
        patch = None if number == 1 else documents.make_patch(saved[number - 2], document)
        rows.append(
            StoredVersion(number, patch, document if is_checkpoint(number, every) else None)
        )
    return rows


class TestHistory:
    @settings(max_examples=150, deadline=None)
    @given(saved=histories(), every=st.integers(1, 5))
    def test_every_version_rebuilds_exactly(self, saved: list[Any], every: int) -> None:
        rows = stored(copy.deepcopy(saved), every)
        for number, document in enumerate(saved, start=1):
            start = max(r.version for r in rows[:number] if r.checkpoint is not None)
            rebuilt = rebuild(rows[start - 1 : number], number)
            assert documents.same(rebuilt, document)
            assert number - start < every

    def test_true_and_one_are_different_documents(self) -> None:
        patch = documents.make_patch({"a": 1}, {"a": True})
        assert documents.same(documents.apply_patch({"a": 1}, patch), {"a": True})

    def test_a_history_without_its_checkpoint_is_refused(self) -> None:
        with pytest.raises(ValueError, match="checkpoint"):
            rebuild([StoredVersion(2, [], None)], 2)


class TestApplyPatch:
    def test_names_the_failing_operation(self) -> None:
        with pytest.raises(documents.PatchFailed) as failed:
            documents.apply_patch(
                {"a": 1}, [{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/c"}]
            )
        assert failed.value.index == 1

    def test_a_failed_test_reports_both_values(self) -> None:
        with pytest.raises(documents.PatchTestFailed) as failed:
            documents.apply_patch({"a": 1}, [{"op": "test", "path": "/a", "value": 2}])
        assert (failed.value.expected, failed.value.actual) == (2, 1)

    def test_the_input_is_not_changed(self) -> None:
        original = {"a": [1]}
        documents.apply_patch(original, [{"op": "add", "path": "/a/-", "value": 2}])
        assert original == {"a": [1]}


BASE: dict[str, Any] = {
    "tracks": [
        {"id": "t1", "gain": 0, "clips": [{"id": "c1", "at": 0}]},
        {"id": "t2", "gain": 0, "clips": []},
    ],
    "tempo": 120,
    "loop": [0, 8],
}


def merge(ours: Any, theirs: Any) -> Any:
    return documents.three_way_merge(BASE, ours, theirs, [])


def changed(**paths: Any) -> Any:
    document = copy.deepcopy(BASE)
    for pointer, value in paths.items():
        jsonpointer.set_pointer(document, "/" + pointer.replace("__", "/"), value)
    return document


class TestMerge:
    def test_different_elements_of_an_id_array_both_survive(self) -> None:
        merged = merge(changed(tracks__0__gain=3), changed(tracks__1__gain=-2))
        assert [t["gain"] for t in merged["tracks"]] == [3, -2]

    def test_inserts_on_both_sides_keep_both_elements_in_order(self) -> None:
        ours = copy.deepcopy(BASE)
        ours["tracks"].insert(0, {"id": "new-ours"})
        theirs = copy.deepcopy(BASE)
        theirs["tracks"].append({"id": "new-theirs"})
        assert [t["id"] for t in merge(ours, theirs)["tracks"]] == [
            "new-ours",
            "t1",
            "t2",
            "new-theirs",
        ]

    def test_an_edit_of_a_removed_element_conflicts(self) -> None:
        ours = copy.deepcopy(BASE)
        del ours["tracks"][0]
        with pytest.raises(documents.MergeConflict) as conflict:
            merge(ours, changed(tracks__0__gain=5))
        assert conflict.value.conflicts[0].path == "/tracks/0/gain"

    def test_arrays_without_ids_are_one_value(self) -> None:
        with pytest.raises(documents.MergeConflict):
            merge(changed(loop=[0, 16]), changed(loop=[4, 8]))

    def test_an_ancestor_touches_its_descendants(self) -> None:
        with pytest.raises(documents.MergeConflict):
            merge(changed(tracks__0__clips__0__at=4), changed(tracks__0__clips=[]))

    def test_both_reordering_conflicts_one_reordering_wins(self) -> None:
        reordered = copy.deepcopy(BASE)
        reordered["tracks"].reverse()
        assert [t["id"] for t in merge(reordered, changed(tempo=90))["tracks"]] == ["t2", "t1"]
        assert [t["id"] for t in merge(changed(tempo=90), reordered)["tracks"]] == ["t2", "t1"]
        with pytest.raises(documents.MergeConflict):
            merge(reordered, {**reordered, "tracks": [*reordered["tracks"], {"id": "t3"}]})

    def test_a_boolean_is_not_the_number_one(self) -> None:
        base = {"a": 1, "b": 0}
        merged = documents.three_way_merge(base, {"a": 1, "b": 5}, {"a": True, "b": 0}, [])
        assert documents.same(merged, {"a": True, "b": 5})

    @settings(max_examples=150, deadline=None)
    @given(data=st.data())
    def test_without_conflict_both_sides_edits_survive(self, data: st.DataObject) -> None:
        base = data.draw(document_strategy)
        ours, theirs = data.draw(edit(base)), data.draw(edit(base))
        try:
            merged = documents.three_way_merge(base, ours, theirs, [])
        except documents.MergeConflict:
            return
        kbase, kmerged = documents.keyed(base), documents.keyed(merged)
        for side in (ours, theirs):
            for action, node, detail in documents.changes(kbase, documents.keyed(side)):
                path = tuple(node) if isinstance(node, list) else ()
                if action == "change":
                    assert documents._lookup(kmerged, path)[1] == detail[1]
                else:
                    for key, value in detail:
                        found, at = documents._lookup(kmerged, (*path, key))
                        assert found == (action == "add") and (not found or at == value)
