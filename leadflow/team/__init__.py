"""Teams and reps, the assignment roster, period targets and API keys."""
