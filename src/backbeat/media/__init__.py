"""Media: content addressing, type sniffing, decoding checks, image compression, audio analysis."""

from backbeat.media import links as links  # registers the check of tracks' media references
