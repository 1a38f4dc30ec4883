"""Memory and forks of `liveapp worker` while `liveapp demo` runs.

    python bench/worker_forks.py [--seconds 60] [--pid PID]

Finds the running demo's worker (`python -m jobs.worker`), then samples every 20 ms for
`--seconds`: the worker's RSS, and the processes whose parent is the worker (a forking
RQ worker starts a work-horse per job; short-lived ones between two samples are missed,
so the count is a lower bound). Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def _cmdline(pid: str) -> str:
    try:
        return (Path("/proc") / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def worker_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir()
            if p.name.isdigit() and "-m jobs.worker" in _cmdline(p.name)]


def rss_mb(pid: int) -> float:
    for line in (Path("/proc") / str(pid) / "status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pid", type=int, action="append", help="the worker (default: all)")
    args = parser.parse_args()
    pids = args.pid or worker_pids()
    if not pids:
        raise SystemExit("no `python -m jobs.worker` running: start `liveapp demo` first")
    for pid in pids:
        seen: set[int] = set()
        rss: list[float] = []
        deadline = time.monotonic() + args.seconds / len(pids)
        while time.monotonic() < deadline:
            seen |= children(pid)
            rss.append(rss_mb(pid))
            time.sleep(0.02)
        print(f"worker {pid}: RSS {rss[0]:.0f} MB at start, {max(rss):.0f} MB max, "
              f"{rss[-1]:.0f} MB at end; child processes seen: {len(seen)}")


if __name__ == "__main__":
    main()
