"""The `backbeat` command against a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backbeat import __version__
from backbeat.cli import app, port_is_free
from backbeat.embedded import DatabaseUrls
from backbeat.health import migration_heads
from tests.cli_env import env_for

runner = CliRunner()


class TestCommands:
    def test_version(self) -> None:
        result = runner.invoke(app, ["version"])
        assert result.exit_code == 0 and __version__ in result.output

    def test_db_current_shows_head(self, committed_urls: DatabaseUrls) -> None:
        result = runner.invoke(app, ["db", "current"], env=env_for(committed_urls))
        assert result.exit_code == 0, result.output
        assert result.output.strip() in migration_heads()

    def test_db_upgrade_is_idempotent(self, committed_urls: DatabaseUrls) -> None:
        first = runner.invoke(app, ["db", "upgrade"], env=env_for(committed_urls))
        second = runner.invoke(app, ["db", "upgrade"], env=env_for(committed_urls))
        assert first.exit_code == 0 and second.exit_code == 0
        assert "latest revision" in second.output

    def test_db_reset_needs_confirmation(self, committed_urls: DatabaseUrls) -> None:
        result = runner.invoke(app, ["db", "reset"], env=env_for(committed_urls))
        assert result.exit_code == 1 and "--yes" in result.output

    def test_db_reset_is_refused_in_production(self, committed_urls: DatabaseUrls) -> None:
        env = env_for(
            committed_urls, BACKBEAT_ENVIRONMENT="production", BACKBEAT_SECRET_KEY="p" * 40
        )
        result = runner.invoke(app, ["db", "reset", "--yes"], env=env)
        assert result.exit_code == 1 and "refused" in result.output

    def test_db_reset_leaves_a_migrated_empty_schema(self, committed_urls: DatabaseUrls) -> None:
        result = runner.invoke(app, ["db", "reset", "--yes"], env=env_for(committed_urls))
        assert result.exit_code == 0, result.output
        current = runner.invoke(app, ["db", "current"], env=env_for(committed_urls))
        assert "empty database" not in current.output

    def test_demo_load_twice_succeeds(self, committed_urls: DatabaseUrls, tmp_path: Path) -> None:
        env = env_for(committed_urls, BACKBEAT_DATA_DIR=str(tmp_path))
        for _ in range(2):
            result = runner.invoke(app, ["demo", "load"], env=env)
            assert result.exit_code == 0, result.output
            assert "59 tracks with a synthesised loop and a cover" in result.output
            assert "mia: 3 generated tracks in the band" in result.output
        blobs = len(list((tmp_path / "media" / "blobs").glob("*/*/*")))
        assert blobs == 59 * 3 + 3  # a loop, a cover and its thumbnail a track; 3 generated files

    def test_jobs_list_shows_a_table(self, committed_urls: DatabaseUrls) -> None:
        result = runner.invoke(app, ["jobs", "list"], env=env_for(committed_urls))
        assert result.exit_code == 0 and "status" in result.output


class TestServe:
    def test_taken_port_gets_a_message_not_a_traceback(self) -> None:
        import socket

        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            assert not port_is_free("127.0.0.1", port)
            result = runner.invoke(
                app,
                ["serve", "--port", str(port)],
                env={"BACKBEAT_DATABASE_URL": "postgresql:///unused"},
            )
        assert result.exit_code == 1
        assert "already in use" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["db", "--help"], ["jobs", "--help"], ["demo", "--help"]])
def test_help_is_available(command: list[str]) -> None:
    assert runner.invoke(app, command).exit_code == 0
