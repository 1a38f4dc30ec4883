"""PROMETHEUS_MULTIPROC_DIR: where each liveapp process keeps its metrics' values (see
liveapp.metrics). No prometheus-client import here: it reads the variable when it is
imported, so the CLI sets the variable with this module first.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from liveapp.processes import pid_alive

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
METRICS_FOLDER = "metrics"  # under the instance folder: one sub-folder per command


def multiprocess_dir(instance_folder: Path, command: str) -> Path:
    """Set PROMETHEUS_MULTIPROC_DIR for this command and its children (before
    prometheus-client is imported): `<instance>/metrics/<command>-<pid>`, after removing
    the folders of processes that are gone (stale files would count them forever). A
    folder set already (by a parent liveapp command, or by the operator) is kept."""
    if os.environ.get(MULTIPROC_VARIABLE):
        folder = Path(os.environ[MULTIPROC_VARIABLE])
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    root = instance_folder / METRICS_FOLDER
    root.mkdir(mode=0o700, exist_ok=True)
    for old in root.iterdir():
        pid = old.name.rpartition("-")[2]
        if not pid.isdigit() or int(pid) == os.getpid() or not pid_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = root / f"{command}-{os.getpid()}"
    folder.mkdir(mode=0o700)
    os.environ[MULTIPROC_VARIABLE] = str(folder)
    return folder


def process_gone(pid: int) -> None:
    """A gunicorn worker exited: its live gauges (open streams) stop counting."""
    if os.environ.get(MULTIPROC_VARIABLE):
        # Here, not at the top: prometheus-client reads the variable when imported, and
        # this module is imported to set it first (see above).
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
