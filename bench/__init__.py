"""LeadFlow's benchmark suite: each scenario measures its floor in the same run.

Run it with `python -m bench` from the repository root."""
