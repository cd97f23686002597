"""ops-alert: what the served automations run when a deployment's run fails or crashes,
or when a deployment has not completed a run within its expected time."""

from __future__ import annotations

from prefect import flow

from leadflow.flows.common import rename_run, stamped, utcnow
from leadflow.tasks.ops import failure_of_run, quiet_deployment, tell_failure, tell_quiet


@flow(name="ops-alert", flow_run_name=stamped("ops-alert"))
def ops_alert(flow_run: str = "", deployment: str = "", expected_seconds: int = 0) -> bool:
    """Tell ops, once per incident: the run `flow_run` (an id, or Prefect's resource id
    `prefect.flow-run.ID`) failed or crashed, or `deployment` completed no run within
    `expected_seconds`."""
    if flow_run:
        failure = failure_of_run(flow_run.removeprefix("prefect.flow-run."))
        rename_run(f"{failure.flow} run {failure.state.lower()}")
        return tell_failure(failure)
    quiet = quiet_deployment(deployment, expected_seconds)
    if not quiet.is_quiet(utcnow()):
        rename_run(f"{deployment} completed a run in time: nothing to tell")
        return False
    rename_run(f"{deployment} quiet")
    return tell_quiet(quiet)
