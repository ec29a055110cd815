import pytest

from backbeat.identity.password_policy import MAX_PASSWORD_LENGTH, check_password_policy

GOOD = "correct horse battery staple"


class TestCheckPasswordPolicy:
    def test_accepts_a_long_uncommon_password(self) -> None:
        assert check_password_policy(GOOD, email="ann@example.com", username="ann") == []

    def test_refuses_fewer_than_ten_characters(self) -> None:
        assert check_password_policy("k8#vQ2m!z") == ["must be at least 10 characters long"]

    def test_accepts_exactly_ten_characters(self) -> None:
        assert check_password_policy("k8#vQ2m!zP") == []

    def test_refuses_overlong_passwords(self) -> None:
        problems = check_password_policy("a" * (MAX_PASSWORD_LENGTH + 1))
        assert problems == [f"must be at most {MAX_PASSWORD_LENGTH} characters long"]

    @pytest.mark.parametrize("password", ["1234567890", "qwertyuiop", "QwertyUiop", "1q2w3e4r5t"])
    def test_refuses_common_passwords_in_any_case(self, password: str) -> None:
        assert check_password_policy(password) == ["is too common"]

    def test_reports_every_problem(self) -> None:
        assert check_password_policy("password") == [
            "must be at least 10 characters long",
            "is too common",
        ]

    def test_refuses_the_email_address(self) -> None:
        email = "Someone.Long@example.com"
        problems = check_password_policy(email.lower(), email=email, username=None)
        assert problems == ["must not be your email address"]

    def test_refuses_the_local_part_of_the_email(self) -> None:
        problems = check_password_policy("someone.long", email="someone.long@example.com")
        assert problems == ["must not be your email address"]

    def test_refuses_the_username(self) -> None:
        problems = check_password_policy("BeatMaker2000", username="beatmaker2000")
        assert problems == ["must not be your username"]
