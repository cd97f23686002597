"""Follow-up: what is due, reminders and escalations, and the weekly re-grade."""
