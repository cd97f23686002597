"""LeadFlow's Prefect flows (installed as leadflow.flows)."""

from leadflow.prefect_env import configure_prefect

configure_prefect()
