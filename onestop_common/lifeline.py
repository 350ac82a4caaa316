"""Platform processes started by a supervisor stop when it dies, even if it could not stop them.

The kernel sends the child SIGTERM when its parent exits (Linux PR_SET_PDEATHSIG). It is set by
the child itself at start: setting it between fork and exec would run Python code in a forked
copy of a threaded (grpcio) process, which is unsafe.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PARENT_PID_VARIABLE = "ONESTOP_SUPERVISOR_PID"
_PR_SET_PDEATHSIG = 1


def die_with_supervisor(parent_pid: str | None) -> None:
    """Call first thing in a child process with the pid its supervisor passed down."""
    if not parent_pid or not sys.platform.startswith("linux"):
        return
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    # The supervisor may already have died before the line above ran.
    if str(os.getppid()) != parent_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def wait_for_stop_signal(name: str) -> None:
    """Blocks until SIGINT or SIGTERM: the main thread of a process whose work runs on others."""
    import logging
    import threading

    stopped = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        logging.getLogger(name).info("signal %d: shutting down", signum)
        stopped.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    stopped.wait()
