"""The delivery handoff of a won deal: the package and how its readers see it."""
