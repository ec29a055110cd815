"""Offerings: masters, Master IPOs, share tokens with tiers, holders, dividends, artist coins."""
