"""LeadFlow's Prefect flows (installed as leadflow.flows): orchestration only; they import
Prefect and leadflow.tasks, nothing else of ours. Nothing here changes the environment:
the entry points (`leadflow serve`, `run`, `worker`, `demo`) apply the Prefect defaults of
leadflow.prefect_env before they start a flow."""
