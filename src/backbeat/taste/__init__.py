"""Taste and AI: embeddings, taste vectors, recommendations, radio, generation, bands."""
