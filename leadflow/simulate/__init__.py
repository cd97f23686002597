"""What-if replay of a rule change over past leads."""
