"""Catalog: tracks, versioned split sheets, lineage, credits, presets, search and import."""
