"""`backbeat users create|list` and the identity demo data."""

from __future__ import annotations

from typer.testing import CliRunner

from backbeat.cli import app
from backbeat.embedded import DatabaseUrls
from tests.cli_env import env_for

runner = CliRunner()


class TestUsersCommands:
    def test_creates_an_admin_and_lists_it(self, committed_urls: DatabaseUrls) -> None:
        env = env_for(committed_urls)
        created = runner.invoke(
            app,
            [
                "users",
                "create",
                "--email",
                "Root@Example.com",
                "--password",
                "a long admin passphrase",
                "--role",
                "admin",
            ],
            env=env,
        )
        listed = runner.invoke(app, ["users", "list"], env=env)
        assert created.exit_code == 0, created.output
        assert "root <root@example.com>" in created.output and "admin" in created.output
        assert "root@example.com" in listed.output

    def test_refuses_a_weak_password_and_a_duplicate(self, committed_urls: DatabaseUrls) -> None:
        env = env_for(committed_urls)
        weak = runner.invoke(
            app, ["users", "create", "--email", "w@example.com", "--password", "password"], env=env
        )
        args = ["users", "create", "--email", "d@example.com", "--password", "fine passphrase 42"]
        first, second = runner.invoke(app, args, env=env), runner.invoke(app, args, env=env)
        assert weak.exit_code == 1 and "too common" in weak.output
        assert first.exit_code == 0 and second.exit_code == 1

    def test_demo_load_prints_the_demo_accounts_once(self, committed_urls: DatabaseUrls) -> None:
        env = env_for(committed_urls)
        first = runner.invoke(app, ["demo", "load"], env=env)
        second = runner.invoke(app, ["demo", "load"], env=env)
        listed = runner.invoke(app, ["users", "list"], env=env)
        assert first.exit_code == 0 and second.exit_code == 0, second.output
        assert "nova@demo.backbeat.local" in first.output and "password:" in first.output
        assert first.output == second.output
        assert listed.output.count("demo.backbeat.local") == 5
