"""What the flows use to tell ops: the state hooks every flow carries and the ops-alert
flow's steps. Defined in leadflow.ops.alerts (the hooks run outside any task, so they
are plain functions), re-exported here because flows import nothing of ours but tasks."""

from __future__ import annotations

from leadflow.ops.alerts import OPS_HOOKS as OPS_HOOKS
from leadflow.ops.alerts import failure_of_run as failure_of_run
from leadflow.ops.alerts import quiet_deployment as quiet_deployment
from leadflow.ops.alerts import tell_failure as tell_failure
from leadflow.ops.alerts import tell_quiet as tell_quiet
