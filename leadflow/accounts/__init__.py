"""Customer accounts: tiers and key accounts' follow-up groups (seed 004)."""
