"""LeadFlow's benchmark suite: each scenario measures its floor in the same run (`python -m bench`)."""
