"""The library's use cases; import this package as `library`."""

from backbeat.library.service.follows import (
    feed_page,
    follow,
    followers_page,
    following_page,
    unfollow,
)
from backbeat.library.service.likes import (
    dislike_track,
    library_page,
    like_track,
    undislike_track,
    unlike_track,
)
from backbeat.library.service.playlist_json import read_playlist, user_playlists
from backbeat.library.service.playlists import (
    access,
    add_item,
    add_member,
    create_playlist,
    delete_playlist,
    move_item,
    patch_playlist,
    playlist_summary,
    rebalance,
    remove_item,
)
from backbeat.library.service.transfer import (
    Export,
    ExportFormat,
    Imported,
    export_playlist,
    import_jspf,
)

__all__ = [
    "Export",
    "ExportFormat",
    "Imported",
    "access",
    "add_item",
    "add_member",
    "create_playlist",
    "delete_playlist",
    "dislike_track",
    "export_playlist",
    "feed_page",
    "follow",
    "followers_page",
    "following_page",
    "import_jspf",
    "library_page",
    "like_track",
    "move_item",
    "patch_playlist",
    "playlist_summary",
    "read_playlist",
    "rebalance",
    "remove_item",
    "undislike_track",
    "unfollow",
    "unlike_track",
    "user_playlists",
]
