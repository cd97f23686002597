"""Customer accounts: tiers and the key accounts ' follow-up groups (seed 004)."""
