"""Royalties: who earns what from a revenue event, exactly, and the ledger that records it."""
