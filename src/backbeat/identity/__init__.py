"""Identity: accounts, credentials, sessions, MFA and wallet proofs."""
