"""Intake: store incoming leads (validate, dedupe, merge, quarantine), returning contacts, and the
intake pipeline that screens, scores, grades and assigns them."""
