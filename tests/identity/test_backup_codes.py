import re

import pytest

from backbeat.identity.backup_codes import (
    BACKUP_CODE_COUNT,
    hash_backup_code,
    new_backup_codes,
    verify_backup_code,
)

USER = "0b7f6c1e-6d4e-4a43-9f7a-3c3e2b1a0f00"


class TestNewBackupCodes:
    def test_makes_ten_readable_codes(self) -> None:
        codes = new_backup_codes()
        assert len(codes) == BACKUP_CODE_COUNT
        assert all(
            re.fullmatch(r"([0-9a-hjkmnp-tv-z]{4}-){2}[0-9a-hjkmnp-tv-z]{4}", c) for c in codes
        )

    def test_makes_distinct_codes(self) -> None:
        assert len(set(new_backup_codes(50))) == 50


class TestHashBackupCode:
    def test_is_deterministic_per_user(self) -> None:
        assert hash_backup_code("k3m9-x2pq-7vtd", user_id=USER) == hash_backup_code(
            "k3m9-x2pq-7vtd", user_id=USER
        )

    def test_is_salted_with_the_user(self) -> None:
        assert hash_backup_code("k3m9-x2pq-7vtd", user_id=USER) != hash_backup_code(
            "k3m9-x2pq-7vtd", user_id="another-user"
        )

    def test_does_not_store_the_code(self) -> None:
        assert "k3m9" not in hash_backup_code("k3m9-x2pq-7vtd", user_id=USER)

    @pytest.mark.parametrize("typed", ["K3M9-X2PQ-7VTD", "k3m9x2pq7vtd", " k3m9 x2pq 7vtd "])
    def test_forgives_case_spaces_and_hyphens(self, typed: str) -> None:
        assert hash_backup_code(typed, user_id=USER) == hash_backup_code(
            "k3m9-x2pq-7vtd", user_id=USER
        )

    def test_reads_o_as_zero_and_i_l_as_one(self) -> None:
        assert hash_backup_code("ol1i-aaaa-bbbb", user_id=USER) == hash_backup_code(
            "0111-aaaa-bbbb", user_id=USER
        )


class TestVerifyBackupCode:
    def test_returns_the_index_of_the_matching_code(self) -> None:
        codes = new_backup_codes()
        hashes = [hash_backup_code(c, user_id=USER) for c in codes]
        assert verify_backup_code(codes[7], hashes, user_id=USER) == 7

    def test_refuses_a_used_code(self) -> None:
        codes = new_backup_codes()
        hashes: list[str | None] = [hash_backup_code(c, user_id=USER) for c in codes]
        hashes[3] = None
        assert verify_backup_code(codes[3], hashes, user_id=USER) is None

    def test_refuses_an_unknown_code(self) -> None:
        hashes = [hash_backup_code(c, user_id=USER) for c in new_backup_codes()]
        assert verify_backup_code(new_backup_codes(1)[0], hashes, user_id=USER) is None

    def test_refuses_another_users_code(self) -> None:
        codes = new_backup_codes()
        hashes = [hash_backup_code(c, user_id="another-user") for c in codes]
        assert verify_backup_code(codes[0], hashes, user_id=USER) is None
