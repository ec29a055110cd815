"""Pure parts of outbound webhooks: the retry schedule and verdicts, the SSRF guard's address
rules and pinning, and signatures that standardwebhooks verifies."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook

from backbeat.billing.delivery import DELIVER_TASK, QUEUE, delivery_lock
from backbeat.billing.fan_out import FAN_OUT_SQL, SWEEP_SQL
from backbeat.billing.retry_schedule import RetryPolicy, Verdict, verdict
from backbeat.billing.url_guard import check_url, forbidden_address
from backbeat.billing.webhook_errors import UnsafeWebhookUrl
from backbeat.billing.webhook_signing import new_secret, payload, signed_headers
from backbeat.jobs import task_name
from tests.conftest import settings_for_tests


class TestVerdict:
    @pytest.mark.parametrize(
        ("code", "expected"),
        [
            (200, Verdict.DELIVERED),
            (204, Verdict.DELIVERED),
            (299, Verdict.DELIVERED),
            (410, Verdict.GONE),
            (301, Verdict.RETRY),
            (404, Verdict.RETRY),
            (429, Verdict.RETRY),
            (500, Verdict.RETRY),
            (None, Verdict.RETRY),
        ],
    )
    def test_status_codes(self, code: int | None, expected: Verdict) -> None:
        assert verdict(code) is expected


class TestRetryPolicy:
    def test_the_default_is_the_standard_webhooks_schedule(self) -> None:
        policy = RetryPolicy.from_settings(settings_for_tests(webhook_retry_jitter=0))
        waits = [policy.wait_after(n, random.Random(1)) for n in range(1, 9)]
        assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000, None]
        assert policy.max_attempts == 8

    @given(st.integers(1, 7), st.floats(0, 0.5), st.integers(0, 2**32))
    def test_jitter_stays_within_its_fraction(
        self, attempts: int, jitter: float, seed: int
    ) -> None:
        policy = RetryPolicy((5, 300, 1800, 7200, 18000, 36000, 36000), jitter)
        wait = policy.wait_after(attempts, random.Random(seed))
        base = policy.waits_seconds[attempts - 1]
        assert wait is not None and base * (1 - jitter) <= wait <= base * (1 + jitter)

    def test_jitter_spreads_endpoints_that_failed_together(self) -> None:
        policy = RetryPolicy((300,), 0.1)
        waits = {policy.wait_after(1, random.Random(seed)) for seed in range(20)}
        assert len(waits) == 20


class TestAddresses:
    @pytest.mark.parametrize(
        ("address", "forbidden"),
        [
            ("93.184.216.34", False),
            ("2606:2800:220:1:248:1893:25c8:1946", False),
            ("127.0.0.1", True),
            ("10.0.0.1", True),
            ("172.16.5.4", True),
            ("192.168.1.1", True),
            ("169.254.169.254", True),
            ("100.64.0.1", True),
            ("0.0.0.0", True),  # noqa: S104 - an address refused, not bound
            ("224.0.0.1", True),
            ("::1", True),
            ("fe80::1%eth0", True),
            ("fc00::1", True),
            ("::ffff:10.0.0.1", True),
        ],
    )
    def test_only_global_unicast_passes(self, address: str, forbidden: bool) -> None:
        assert forbidden_address(address) is forbidden

    async def test_a_name_resolving_anywhere_private_is_refused(self) -> None:
        async def resolver(host: str, port: int) -> list[str]:
            return ["93.184.216.34", "10.0.0.7"]

        with pytest.raises(UnsafeWebhookUrl, match="private"):
            await check_url("https://hooks.example.com/x", frozenset(), resolver)

    async def test_an_allowed_host_may_be_private_and_is_pinned(self) -> None:
        async def resolver(host: str, port: int) -> list[str]:
            assert (host, port) == ("hooks.internal", 8443)
            return ["10.0.0.7"]

        target = await check_url(
            "https://Hooks.Internal:8443/in?x=1", frozenset({"hooks.internal"}), resolver
        )
        assert str(target.pinned_url()) == "https://10.0.0.7:8443/in?x=1"
        assert target.headers() == {"host": "hooks.internal:8443"}
        assert target.extensions() == {"sni_hostname": "hooks.internal"}

    def test_the_allowed_hosts_setting_is_comma_separated(self) -> None:
        settings = settings_for_tests(webhook_allowed_hosts=" 127.0.0.1, Hooks.Internal ,")
        assert settings.webhook_allowed_host_set == {"127.0.0.1", "hooks.internal"}


class TestSigning:
    def test_a_signature_verifies_with_standardwebhooks(self) -> None:
        secret = new_secret()
        body = payload("track.published", datetime.now(UTC), {"track_id": "t"})
        headers = signed_headers(secret, str(uuid.uuid4()), body, datetime.now(UTC))
        assert headers["webhook-signature"].startswith("v1,")
        assert Webhook(secret).verify(body, headers)["data"] == {"track_id": "t"}

    def test_another_secret_does_not_verify(self) -> None:
        body = payload("track.published", datetime.now(UTC), {})
        headers = signed_headers(new_secret(), "evt", body, datetime.now(UTC))
        with pytest.raises(Exception, match="No matching signature"):
            Webhook(new_secret()).verify(body, headers)

    def test_the_sql_queues_the_delivery_task_as_delivery_py_names_it(self) -> None:
        for statement in (FAN_OUT_SQL, SWEEP_SQL):
            sql = str(statement)
            assert f"'{task_name(DELIVER_TASK)}'" in sql and f"'{QUEUE}'" in sql
            assert "'" + delivery_lock("") + "'" in sql
