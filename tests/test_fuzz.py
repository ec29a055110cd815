"""Schemathesis over the whole OpenAPI document, anonymous and signed in: no route answers 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from backbeat.app import create_app
from backbeat.embedded import DatabaseUrls
from tests.conftest import clone_database, drop_database, settings_for_tests
from tests.servers import serving

SIGNED_IN_SKIPS = {("POST", "/v1/auth/logout"), ("POST", "/v1/auth/sessions/revoke-all")}
"""These end the fuzzing session itself; the identity tests cover them."""


@pytest.fixture(scope="module")
def fuzz_urls(server_uri: str, template_uri: str) -> Iterator[DatabaseUrls]:
    """A committed database of its own: the fuzzer's writes really happen."""
    yield clone_database(server_uri, "backbeat_fuzz")
    drop_database(server_uri, "backbeat_fuzz")


@pytest.fixture(scope="module")
def base_url(fuzz_urls: DatabaseUrls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app served by uvicorn in a thread (its own event loop, its own pools)."""
    settings = settings_for_tests(
        database_url=fuzz_urls.owner,
        api_database_url=fuzz_urls.api,
        data_dir=Path(tmp_path_factory.mktemp("fuzz-data")),
        rate_limit_ip_per_minute=100_000,
    )
    with serving(create_app(settings)) as address:
        yield f"http://{address}"


@pytest.fixture(scope="module")
def access_token(base_url: str) -> str:
    """A signed-in user's bearer token for the second pass."""
    body = {"email": "fuzz@example.com", "username": "fuzzer", "password": "fuzz-Passw0rd-long!"}
    response = httpx.post(f"{base_url}/v1/auth/signup", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def api_schema(base_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json")


FUZZ = settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)


def server_errors(
    schema: schemathesis.BaseSchema, base_url: str, headers: dict[str, str]
) -> list[str]:
    """Valid and invalid requests for every operation; what answered 5xx (with the request)."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # our own schema is valid
        if headers and (operation.method.upper(), operation.path) in SIGNED_IN_SKIPS:
            continue
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @FUZZ
        @given(case=cases)
        def call(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            call()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    return failures


def test_anonymous_requests_never_get_a_server_error(
    api_schema: schemathesis.BaseSchema, base_url: str
) -> None:
    failures = server_errors(api_schema, base_url, {})
    assert not failures, "\n\n".join(failures)


def test_signed_in_requests_never_get_a_server_error(
    api_schema: schemathesis.BaseSchema, base_url: str, access_token: str
) -> None:
    failures = server_errors(api_schema, base_url, {"Authorization": f"Bearer {access_token}"})
    assert not failures, "\n\n".join(failures)
