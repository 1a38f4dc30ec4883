"""A small supervisor for `liveapp demo` and `liveapp web`: start child processes, stop them
all cleanly; and whether a pid is alive (the embedded Redis, the metrics folders)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class ProcessGroup:
    """Children started together and stopped together (SIGTERM, then SIGKILL)."""

    children: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def start(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        # Own session: Ctrl-C reaches only us, and we stop children in order.
        proc = subprocess.Popen(argv, start_new_session=True, **kwargs)
        self.children.append((name, proc))
        return proc

    def first_exited(self) -> tuple[str, int] | None:
        for name, proc in self.children:
            code = proc.poll()
            if code is not None:
                return name, code
        return None

    def stop(self, timeout: float = 10.0) -> None:
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(remaining)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def wait(self) -> int:
        """Block until Ctrl-C/SIGTERM or a child dies; then stop everything."""
        def on_term(signum, frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, on_term)
        try:
            while True:
                exited = self.first_exited()
                if exited:
                    name, code = exited
                    print(f"liveapp: {name} exited with status {code}; stopping.", file=sys.stderr)
                    return code or 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nliveapp: stopping…", file=sys.stderr)
            return 0
        finally:
            self.stop()
