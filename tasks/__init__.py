"""LeadFlow's Prefect tasks (installed as leadflow.tasks): the only place a flow's unit of
work is opened. `chunks` holds the plain chunk functions (no Prefect) that the tasks wrap
and the CLI calls directly."""
