"""LeadFlow's Prefect tasks (installed as leadflow.tasks)."""

from leadflow.prefect_env import configure_prefect

configure_prefect()
