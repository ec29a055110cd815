"""Project documents: RFC 6902 patches (jsonpatch) and the three-way merge of concurrent saves.

The merge runs on a *keyed* form of the documents: an array whose elements are all objects with a
distinct `id` becomes a mapping by id (its order kept apart), so two devices editing different
clips of one track never collide over array indices. Every other array, and every boolean, is one
atomic value. dictdiffer diffs the keyed forms; two changes conflict when one's path is the
other's or an ancestor of it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dictdiffer
import jsonpatch
import jsonpointer

Json = Any
Path = tuple[Any, ...]


class PatchFailed(Exception):
    """An operation of a patch does not apply to the document."""

    def __init__(self, index: int, operation: dict[str, Any], reason: str) -> None:
        super().__init__(
            f"operation {index} ({operation.get('op')} {operation.get('path')}): {reason}"
        )
        self.index = index
        self.operation = operation
        self.reason = reason


class PatchTestFailed(Exception):
    """A `test` operation found another value: the client's precondition does not hold."""

    def __init__(self, path: str, expected: Json, actual: Json) -> None:
        super().__init__(f"test {path} failed")
        self.path, self.expected, self.actual = path, expected, actual


@dataclass(frozen=True)
class Conflict:
    """A path both sides changed, with the head's value (ours) and the client's (theirs)."""

    path: str
    ours: Json
    theirs: Json


class MergeConflict(Exception):
    """The edits since the base touch the patch's paths."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(f"{len(conflicts)} conflicting path(s)")
        self.conflicts = conflicts


def canonical(document: Json) -> str:
    """One spelling of a JSON value (key order and whitespace fixed), to compare and measure."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compact(document: Json) -> str:
    """The compact JSON text of a value (what sizes are measured on)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def size_of(document: Json) -> int:
    """Bytes of the compact UTF-8 JSON text."""
    return len(compact(document).encode())


def same(a: Json, b: Json) -> bool:
    """Structural JSON equality that tells true from 1 (Python's == does not)."""
    return canonical(a) == canonical(b)


def apply_patch(
    document: Json, operations: list[dict[str, Any]], *, in_place: bool = False
) -> Json:
    """The document with the patch applied, operation by operation, naming the one that fails
    (`in_place`: change the given document, which a failure leaves half patched)."""
    result = document if in_place else copy.deepcopy(document)
    for index, operation in enumerate(operations):
        try:
            single = jsonpatch.JsonPatch([operation])
            result = single.apply(result, in_place=True)
        except jsonpatch.JsonPatchTestFailed:
            expected = operation.get("value")
            raise PatchTestFailed(
                operation["path"], expected, _at(result, operation["path"])
            ) from None
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise PatchFailed(index, operation, str(exc)) from None
        except (TypeError, KeyError, IndexError, ValueError) as exc:
            raise PatchFailed(index, operation, f"{type(exc).__name__}: {exc}") from None
    return result


def make_patch(source: Json, target: Json) -> list[dict[str, Any]]:
    """The JSON Patch from source to target; a whole replace when jsonpatch's own diff would not
    rebuild the target exactly (it compares with ==, so true and 1 look the same to it)."""
    operations: list[dict[str, Any]] = jsonpatch.make_patch(source, target).patch
    if same(jsonpatch.apply_patch(source, operations), target):
        return operations
    return [{"op": "replace", "path": "", "value": copy.deepcopy(target)}]


def without_tests(operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A patch as history stores it: the edits, not the client's preconditions."""
    return [op for op in operations if op.get("op") != "test"]


def _at(document: Json, pointer: str) -> Json:
    try:
        return jsonpointer.resolve_pointer(document, pointer)
    except jsonpointer.JsonPointerException:
        return None


# The keyed form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """A value merged whole (an array without ids, a boolean), compared by its JSON text."""

    text: str


class Keyed(dict[Any, Any]):
    """An array of objects with distinct ids, as a mapping by id; `order` lists the ids."""

    order: tuple[Any, ...] = ()


def _element_ids(items: list[Json]) -> list[Any] | None:
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    valid = all(isinstance(i, str | int) and not isinstance(i, bool) for i in ids)
    return ids if items and valid and len(set(ids)) == len(ids) else None


def keyed(value: Json) -> Json:
    """The keyed form of a JSON value."""
    if isinstance(value, dict):
        return {key: keyed(item) for key, item in value.items()}
    if isinstance(value, list):
        ids = _element_ids(value)
        if ids is None:
            return Atom(canonical(value))
        result = Keyed((i, keyed(item)) for i, item in zip(ids, value, strict=True))
        result.order = tuple(ids)
        return result
    if isinstance(value, bool):
        return Atom(canonical(value))
    return value


def unkeyed(value: Json) -> Json:
    """The JSON value of a keyed form."""
    if isinstance(value, Keyed):
        return [unkeyed(value[i]) for i in value.order]
    if isinstance(value, dict):
        return {key: unkeyed(item) for key, item in value.items()}
    if isinstance(value, Atom):
        return json.loads(value.text)
    return value


def _copy_keyed(value: Json) -> Json:
    if isinstance(value, Keyed):
        result = Keyed((k, _copy_keyed(v)) for k, v in value.items())
        result.order = value.order
        return result
    if isinstance(value, dict):
        return {k: _copy_keyed(v) for k, v in value.items()}
    return value


# The merge -----------------------------------------------------------------------------------

Change = tuple[str, Any, Any]


def changes(base: Json, other: Json) -> list[Change]:
    """dictdiffer's changes between keyed forms, one key each (paths as lists); a place where
    an id-array became an object (or back) is one change of the whole value."""
    if not (isinstance(base, dict) and isinstance(other, dict)) or _kind_changed(base, other):
        return [("change", [], (base, other))]
    swapped = list(_kind_changes(base, other, ()))
    found = dictdiffer.diff(
        base, other, expand=True, dot_notation=False, tolerance=None, ignore=set(swapped) or None
    )
    whole = [("change", list(p), (_lookup(base, p)[1], _lookup(other, p)[1])) for p in swapped]
    return list(found) + whole


def _kind_changed(base: Json, other: Json) -> bool:
    return isinstance(base, Keyed) != isinstance(other, Keyed)


def _kind_changes(base: dict[Any, Any], other: dict[Any, Any], path: Path) -> Iterator[Path]:
    for key, value in base.items():
        twin = other.get(key)
        if isinstance(value, dict) and isinstance(twin, dict):
            if _kind_changed(value, twin):
                yield (*path, key)
            else:
                yield from _kind_changes(value, twin, (*path, key))


def changed_paths(found: list[Change]) -> list[Path]:
    """The path each change touches (an added or removed key is part of its path)."""
    paths: list[Path] = []
    for action, node, detail in found:
        base = tuple(node) if isinstance(node, list) else (node,) if node != "" else ()
        if action == "change":
            paths.append(base)
        else:
            paths.extend((*base, key) for key, _ in detail)
    return paths


def touches(a: Path, b: Path) -> bool:
    """A path touches itself, its ancestors and its descendants."""
    shortest = min(len(a), len(b))
    return a[:shortest] == b[:shortest]


def _lookup(value: Json, path: Path) -> tuple[bool, Json]:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return False, None
        value = value[key]
    return True, value


def pointer_of(document: Json, path: Path) -> str:
    """A keyed path as a JSON Pointer into the (unkeyed) keyed document: ids become indices."""
    parts: list[str] = []
    value = document
    for key in path:
        if isinstance(value, Keyed):
            parts.append(str(value.order.index(key)) if key in value.order else "-")
        else:
            parts.append(str(key))
        value = value.get(key) if isinstance(value, dict) else None
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _conflict(path: Path, ours: Json, theirs: Json) -> Conflict:
    where = theirs if _lookup(theirs, path)[0] else ours
    return Conflict(
        pointer_of(where, path), unkeyed(_lookup(ours, path)[1]), unkeyed(_lookup(theirs, path)[1])
    )


def _pointer_to_path(document: Json, pointer: str) -> Path:
    """A client's JSON Pointer into the base document as a keyed path (indices become ids)."""
    path: list[Any] = []
    value = document
    for part in jsonpointer.JsonPointer(pointer).parts:
        if isinstance(value, list):
            ids = _element_ids(value)
            if part == "-" or not part.isdigit() or int(part) >= len(value):
                path.append("-" if ids is None else part)
                break
            value = value[int(part)]
            if ids is not None:
                path.append(ids[int(part)])
            else:
                break  # an atomic array: the whole array is the path
        elif isinstance(value, dict) and part in value:
            path.append(part)
            value = value[part]
        else:
            path.append(part)
            break
    return tuple(path)


def tested_paths(base: Json, operations: list[dict[str, Any]]) -> list[Path]:
    """The keyed paths of the patch's `test` operations: a precondition touches its path."""
    return [_pointer_to_path(base, op["path"]) for op in operations if op.get("op") == "test"]


def _orders(value: Json, path: Path = ()) -> Iterator[tuple[Path, Keyed]]:
    if isinstance(value, dict):
        if isinstance(value, Keyed):
            yield path, value
        for key, item in value.items():
            yield from _orders(item, (*path, key))


def _relative(order: tuple[Any, ...], keep: set[Any]) -> list[Any]:
    return [i for i in order if i in keep]


def merge_order(
    base: tuple[Any, ...], ours: tuple[Any, ...], theirs: tuple[Any, ...], present: set[Any]
) -> tuple[Any, ...] | None:
    """Both sides' insertions and removals; a reordering by one side; None when both reordered."""
    common = set(base) & set(ours) & set(theirs)
    ours_moved = _relative(ours, common) != _relative(base, common)
    theirs_moved = _relative(theirs, common) != _relative(base, common)
    if ours_moved and theirs_moved:
        return None
    primary, secondary = (theirs, ours) if theirs_moved else (ours, theirs)
    result = [i for i in primary if i in present]
    for position, item in enumerate(secondary):
        if item in present and item not in result:
            before = [i for i in secondary[:position] if i in result]
            result.insert(result.index(before[-1]) + 1 if before else 0, item)
    result += [i for i in present if i not in result]
    return tuple(result)


def _restore_orders(merged: Json, base: Json, ours: Json, theirs: Json) -> list[Path]:
    """Set each merged id-array's order; the paths where both sides reordered."""
    clashes: list[Path] = []
    for path, array in list(_orders(merged)):
        orders = []
        for side in (base, ours, theirs):
            found, value = _lookup(side, path)
            orders.append(value.order if found and isinstance(value, Keyed) else ())
        order = merge_order(orders[0], orders[1], orders[2], set(array.keys()))
        if order is None:
            clashes.append(path)
        else:
            array.order = order
    return clashes


def three_way_merge(base: Json, ours: Json, theirs: Json, extra_theirs: list[Path]) -> Json:
    """Theirs' edits since base applied to ours, or MergeConflict for every touching pair.

    `extra_theirs`: paths the client's patch only tested (they count as touched)."""
    kbase, kours, ktheirs = keyed(base), keyed(ours), keyed(theirs)
    ours_changes, theirs_changes = changes(kbase, kours), changes(kbase, ktheirs)
    ours_paths = changed_paths(ours_changes)
    theirs_paths = changed_paths(theirs_changes) + extra_theirs
    clashing = [t for t in theirs_paths if any(touches(o, t) for o in ours_paths)]
    if clashing:
        raise MergeConflict([_conflict(p, kours, ktheirs) for p in dict.fromkeys(clashing)])
    if theirs_changes and changed_paths(theirs_changes) == [()]:
        return theirs
    merged = dictdiffer.patch(theirs_changes, _copy_keyed(kours), in_place=True)
    reordered = _restore_orders(merged, kbase, kours, ktheirs)
    if reordered:
        raise MergeConflict([_conflict(p, kours, ktheirs) for p in reordered])
    return unkeyed(merged)
