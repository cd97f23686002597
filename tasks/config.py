"""What the flows need besides tasks: settings (chunk size, folders, fan-out, polling,
trigger window) and the business clock. Defined in leadflow.flow_settings and
leadflow.run_clock, re-exported here because flows import nothing of ours but tasks."""

from __future__ import annotations

from leadflow.flow_settings import ChildRunsFailed as ChildRunsFailed
from leadflow.flow_settings import chunk_size as chunk_size
from leadflow.flow_settings import chunks_in_flight as chunks_in_flight
from leadflow.flow_settings import fan_out_allowed as fan_out_allowed
from leadflow.flow_settings import output_dir as output_dir
from leadflow.flow_settings import poll_seconds as poll_seconds
from leadflow.flow_settings import trigger_window_seconds as trigger_window_seconds
from leadflow.paging import id_pages as id_pages
from leadflow.paging import overlapped as overlapped
from leadflow.rules.clock import in_utc as in_utc
from leadflow.run_clock import as_of_time as as_of_time
