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
from backbeat.listening.service.imports import (
    create_import,
    import_json,
    list_imports,
    read_import,
    record_import,
    run_import,
)
from backbeat.listening.service.ingest import (
    IngestResult,
    delete_document,
    ingest_listens,
    set_playing_now,
    submit_document,
)
from backbeat.listening.service.listens import ListenFilter, delete_listen, listen_page
from backbeat.listening.service.plays import dashboard, track_stats, trending

__all__ = [
    "TOKEN_INVALID",
    "IngestResult",
    "ListenFilter",
    "UserRead",
    "create_import",
    "dashboard",
    "delete_document",
    "delete_listen",
    "import_json",
    "ingest_listens",
    "list_imports",
    "listen_count_json",
    "listen_page",
    "listens_json",
    "payload_body",
    "playing_now_json",
    "read_import",
    "record_import",
    "run_import",
    "set_playing_now",
    "status_ok",
    "submit_document",
    "token_username",
    "track_stats",
    "trending",
]
