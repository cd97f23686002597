"""A private PostgreSQL cluster for one test: initdb under /tmp, its own free port, stopped
and started at will (the shared server on 5432 is never touched), removed afterwards."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.mailserver import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> str | None:
    """Why a private cluster cannot be made here, or None when it can."""
    if not (BIN / "initdb").exists():
        return f"no PostgreSQL binaries in {BIN}"
    if os.geteuid() != 0 and os.environ.get("USER") != "postgres":
        return "needs root (to run initdb as the postgres user) or the postgres user"
    return None


class PrivateCluster:
    """initdb, start, stop (like a crash: -m immediate) and remove one cluster."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="leadflow-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run(
            BIN / "initdb",
            "-D",
            self.data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    @property
    def url(self) -> str:
        """The cluster's postgres database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: object, check: bool = True) -> None:
        cmd = [str(a) for a in args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=check, capture_output=True, timeout=120)

    def start(self) -> None:
        """Start (or restart) on the same port; returns when it accepts connections."""
        # fsync=off is safe here: a stop kills the server, not the machine, so what the
        # server wrote survives in the OS cache. (synchronous_commit=off would not be: a
        # commit could be lost by the stop, which is not the fault under test.)
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.root / "log", "-w", "start"
        )

    def stop(self) -> None:
        """Stop at once, dropping every connection, as a crash or a failover would."""
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop if running and delete the cluster."""
        self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
