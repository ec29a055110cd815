"""Listening tests use identity's `client_with` (an app with chosen settings, rolled back)."""

from tests.identity.conftest import client_with

__all__ = ["client_with"]
