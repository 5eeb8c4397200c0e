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
from collections.abc import Callable

STOP_GRACE_SECONDS = 2.0  # for a child asked to stop to unwind before it is killed


def can_fork_helpers() -> bool:
    """Whether a forked helper can run beside this process: Linux, with a second CPU for it.

    Linux only: macOS system libraries do not survive fork() reliably, and Windows has none.
    """
    return sys.platform.startswith("linux") and len(os.sched_getaffinity(0)) >= 2


def fork_helper(work: Callable[[], object]) -> int:
    """Fork a child that runs ``work()`` and exits (status 0, or 1 if it raised); the child's pid.

    The child ignores SIGINT (Ctrl-C is its parent's to handle: the parent stops it) and turns
    SIGTERM into ``SystemExit`` so it unwinds. Both signals are held from before the fork until the
    child has set this up, so no signal can make a child run on into its parent's code. The child
    ends with ``os._exit``: no atexit handlers, no flushing of buffers it inherited, no cleanup of
    its parent's files.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    pid = os.fork()
    if pid:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return pid
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, exit_on_sigterm)
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        work()
        status = 0
    except BaseException:  # noqa: BLE001, S110 - the parent learns what happened from its pipe
        pass
    finally:
        os._exit(status)


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
