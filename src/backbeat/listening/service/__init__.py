"""Listening use cases: ingest, the native listens API, the ListenBrainz reads, plays."""

from backbeat.listening.service.ingest import (
    IngestResult,
    delete_document,
    ingest_listens,
    set_playing_now,
    submit_document,
)
from backbeat.listening.service.listens import ListenFilter, delete_listen, listen_page
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

__all__ = [
    "TOKEN_INVALID",
    "IngestResult",
    "delete_listen",
    "ListenFilter",
    "delete_document",
    "ingest_listens",
    "listen_count_json",
    "listen_page",
    "listens_json",
    "playing_now_json",
    "set_playing_now",
    "submit_document",
    "token_username",
    "UserRead",
    "payload_body",
    "status_ok",
]
