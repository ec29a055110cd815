"""Listening: listens (native and ListenBrainz-compatible), imports, plays per day, trending."""
