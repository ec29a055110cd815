"""Media: content addressing, type sniffing, decoding checks, image compression, audio analysis."""
