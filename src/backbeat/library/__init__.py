"""Library: likes and dislikes, follows with kept counts, the feed, and playlists."""
