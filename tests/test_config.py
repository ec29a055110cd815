"""Settings refuse unsafe production configurations."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from backbeat.config import Settings


class TestSecretKey:
    def test_default_secret_is_refused_in_production(self) -> None:
        with pytest.raises(ValidationError, match="BACKBEAT_SECRET_KEY"):
            Settings(environment="production")

    def test_short_secret_is_refused_in_production(self) -> None:
        with pytest.raises(ValidationError, match="at least 32"):
            Settings(environment="production", secret_key=SecretStr("short"))

    def test_real_secret_is_accepted_in_production(self) -> None:
        settings = Settings(environment="production", secret_key=SecretStr("s" * 40))
        assert not settings.is_development

    def test_default_secret_is_fine_in_development(self) -> None:
        assert Settings(environment="development").is_development

    def test_environment_variables_are_read_with_prefix(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("BACKBEAT_PORT", "9123")
        monkeypatch.setenv("BACKBEAT_REDIS_URL", "redis://127.0.0.1:6379/3")
        settings = Settings()
        assert settings.port == 9123
        assert settings.redis_url == "redis://127.0.0.1:6379/3"
