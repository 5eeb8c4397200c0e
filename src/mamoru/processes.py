"""What mamoru's forked helper processes share: when to fork, how to stop a child, errors that cross a pipe.

Two parts of mamoru fork a child to use a second CPU: the layer worker (:mod:`mamoru.walk.layer_worker`)
and the report writer (:mod:`mamoru.cli.report_writer`). Both are copies of this same program talking
over pipes, so pickle is safe between them.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time

STOP_GRACE_SECONDS = 2.0  # for a child asked to stop to unwind before it is killed


def can_fork_helpers() -> bool:
    """Whether a forked helper can run beside this process: Linux, with a second CPU for it.

    Linux only: macOS system libraries do not survive fork() reliably, and Windows has none.
    """
    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) >= 2


def stop_child(pid: int) -> None:
    """Ask a child to stop with SIGTERM (it unwinds, removing its temporary files), then kill it; reap it."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def exit_on_sigterm(signum: int, frame: object) -> None:
    """A child's SIGTERM handler: unwind (``finally`` blocks remove temporary files), then exit."""
    raise SystemExit(1)


def picklable(error: BaseException) -> BaseException:
    """``error`` itself if it survives pickling, else a RuntimeError with its message."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, pickled just above
    except Exception:  # noqa: BLE001 - any exception type may fail to pickle in its own way
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error
