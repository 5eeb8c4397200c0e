"""Forked helpers: a child runs its work and exits, ignores Ctrl-C, unwinds on SIGTERM, is stopped when asked."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from mamoru.processes import fork_helper, picklable, stop_child


def exit_status(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_the_child_runs_its_work_and_exits_with_its_outcome(tmp_path: Path) -> None:
    def work() -> None:
        (tmp_path / "ran").write_text(str(os.getpid()))

    pid = fork_helper(work)
    assert exit_status(pid) == 0
    assert (tmp_path / "ran").read_text() == str(pid)

    def fails() -> None:
        raise ValueError("no")

    assert exit_status(fork_helper(fails)) == 1


def test_ctrl_c_is_the_parents_and_sigterm_unwinds_the_child(tmp_path: Path) -> None:
    def work() -> None:
        try:
            time.sleep(30)
        finally:
            (tmp_path / "unwound").touch()

    pid = fork_helper(work)
    os.kill(pid, signal.SIGINT)  # at once: held across the fork, then ignored
    time.sleep(0.2)
    assert os.waitpid(pid, os.WNOHANG) == (0, 0), "SIGINT must not end the child"
    stop_child(pid)  # SIGTERM: the child's finally runs
    assert (tmp_path / "unwound").exists()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped by stop_child


def test_a_child_that_ignores_sigterm_is_killed() -> None:
    def stubborn() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(30)

    pid = fork_helper(stubborn)
    time.sleep(0.1)
    started = time.monotonic()
    stop_child(pid)
    assert 1.5 < time.monotonic() - started < 10  # the grace period, then SIGKILL


def test_errors_that_cannot_be_pickled_cross_as_their_message() -> None:
    class Local(Exception):  # a class pickle cannot find by name
        pass

    assert isinstance(picklable(ValueError("x")), ValueError)
    crossed = picklable(Local("odd"))
    assert type(crossed) is RuntimeError and str(crossed) == "Local: odd"
