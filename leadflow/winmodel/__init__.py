"""The win-probability model: features, training, scoring and explanation."""
