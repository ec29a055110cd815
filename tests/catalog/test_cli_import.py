"""`backbeat import tracks FILE.csv`: dry run, all-or-nothing, idempotent re-run."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from backbeat.cli import app
from backbeat.embedded import DatabaseUrls
from tests.catalog.factories import GOOD_CSV, ONE_BAD_CSV
from tests.cli_env import env_for

runner = CliRunner()


def test_import_from_the_command_line(committed_urls: DatabaseUrls, tmp_path: Path) -> None:
    env = env_for(committed_urls)
    assert runner.invoke(app, ["demo", "load"], env=env).exit_code == 0
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(ONE_BAD_CSV)
    good.write_text(GOOD_CSV)
    command = ["import", "tracks", "--as", "luna_vega"]
    dry = runner.invoke(app, [*command, str(bad), "--dry-run"], env=env)
    assert dry.exit_code == 1 and "line 3" in dry.output
    refused = runner.invoke(app, [*command, str(bad)], env=env)
    assert refused.exit_code == 1 and "nothing was imported" in refused.output
    first = runner.invoke(app, [*command, str(good)], env=env)
    assert first.exit_code == 0, first.output
    assert "created 3, skipped 0" in first.output
    again = runner.invoke(app, [*command, str(good)], env=env)
    assert "created 0, skipped 3" in again.output
