"""LeadFlow's Prefect tasks (installed as leadflow.tasks): the only place a flow's unit of
work is opened. Every function defined here is a Prefect task; what else a flow needs
(settings, the clock, ops hooks, a few result types) is defined in leadflow/ and
re-exported here, because flows import nothing of ours but tasks."""
