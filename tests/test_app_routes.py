"""The route table is unambiguous, so its order (reads first, for speed) never changes routing."""

from __future__ import annotations

import itertools

from fastapi.routing import APIRoute

from backbeat.app import create_app
from tests.conftest import settings_for_tests


def segments(path: str) -> list[str]:
    return path.strip("/").split("/")


def is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def overlap(a: list[str], b: list[str]) -> bool:
    """Whether some request path matches both templates ({x:path} swallows the rest)."""
    if not a or not b:
        return a == b
    if a[0].endswith(":path}") or b[0].endswith(":path}"):
        return True
    if is_param(a[0]) or is_param(b[0]) or a[0] == b[0]:
        return overlap(a[1:], b[1:])
    return False


def test_overlap_spots_ambiguity() -> None:
    assert overlap(segments("/v1/tracks/{id}"), segments("/v1/tracks/search"))
    assert overlap(segments("/v1/objects/{p:path}"), segments("/v1/objects/a/b"))
    assert not overlap(segments("/v1/tracks/{id}"), segments("/v1/tracks/{id}/lineage"))
    assert not overlap(segments("/v1/me"), segments("/v1/users/{name}"))


def api_routes() -> list[tuple[set[str], str]]:
    app = create_app(settings_for_tests())
    return [(set(r.methods or ()), r.path) for r in app.routes if isinstance(r, APIRoute)]


def test_no_two_routes_can_answer_the_same_request() -> None:
    clashes = [
        f"{sorted(a_methods & b_methods)} {a} ~ {b}"
        for (a_methods, a), (b_methods, b) in itertools.combinations(api_routes(), 2)
        if a_methods & b_methods and overlap(segments(a), segments(b))
    ]
    assert not clashes, "\n".join(clashes)


def test_reads_come_first() -> None:
    kinds = ["GET" in methods for methods, _ in api_routes()]
    assert kinds == sorted(kinds, reverse=True)
