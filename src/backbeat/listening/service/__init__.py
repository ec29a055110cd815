"""Listening use cases: ingest, the native listens API, the ListenBrainz reads, plays."""

from backbeat.listening.service.compat import (
    TOKEN_INVALID,
    UserRead,
    listen_count_json,
    listens_json,
    payload_body,
    playing_now_json,
    status_ok,
    token_username,
)
from backbeat.listening.service.ingest import (
    IngestResult,
    delete_document,
    ingest_listens,
    set_playing_now,
    submit_document,
)
from backbeat.listening.service.listens import ListenFilter, delete_listen, listen_page

__all__ = [
    "TOKEN_INVALID",
    "IngestResult",
    "ListenFilter",
    "UserRead",
    "delete_document",
    "delete_listen",
    "ingest_listens",
    "listen_count_json",
    "listen_page",
    "listens_json",
    "payload_body",
    "playing_now_json",
    "set_playing_now",
    "status_ok",
    "submit_document",
    "token_username",
]
