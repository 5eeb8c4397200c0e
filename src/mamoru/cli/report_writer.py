"""Write the report, for the SBOM formats from a child forked before the scan, which loads their library meanwhile.

cyclonedx-python-lib and spdx-tools take 50-110 ms to import: a tenth of an SBOM run on a small
image, spent while the second CPU is mostly idle. Only the report needs them. So on Linux with a
second CPU, :func:`report_writer` forks a child before the scan starts; the child imports the
format's writer and waits. After the scan this process sends it the report (pickled; the file list
left out, as these formats do not read it) and waits for the outcome, which the child sends back:

* written: done;
* the output could not be written (a ``ReportError``) or rendering failed: the child's error is
  raised here, and the command fails as it would have in one process;
* stdout's reader went away: ``BrokenPipeError`` is raised here (exit 141);
* no outcome (the child was killed): if it had not started writing, the report is written here;
  if it had, the output may be half written, and the command fails saying so.

If the scan fails, the child is stopped (it has written nothing). Other formats, and platforms
where :func:`~mamoru.processes.can_fork_helpers` is false, write in this process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from types import TracebackType
from typing import Any

from mamoru.errors import ReportError
from mamoru.model.report import ScanReport
from mamoru.processes import can_fork_helpers, fork_helper, picklable, stop_child

# formats whose writer imports a library slow enough (50 ms and more) to be worth a child; neither reads
# ``inventory.files`` (tests/cli/test_report_writer.py checks the outputs equal one process's)
FORKED_FORMATS = frozenset({"cyclonedx", "spdx-json"})

WriteReport = Callable[[ScanReport], None]

_log = logging.getLogger(__name__)


@contextlib.contextmanager
def report_writer(format_name: str, output: str | None, *, fork: bool = True) -> Iterator[WriteReport]:
    """A function that writes a report in ``format_name`` to ``output`` (None or ``-``: stdout).

    Enter it before the scan: for :data:`FORKED_FORMATS` (and ``fork``) the child starts here.
    """
    if not fork or format_name not in FORKED_FORMATS or not can_fork_helpers():
        yield lambda report: write_here(report, format_name, output)
        return
    with ForkedWriter(format_name, output) as forked:
        yield forked.write


def write_here(report: ScanReport, format_name: str, output: str | None) -> None:
    """Render and write the report in this process."""
    from mamoru.cli import write_output
    from mamoru.report import writer

    render = writer(format_name)
    write_output(lambda stream: render(report, stream), output)


class ForkedWriter:
    """A child that imports a format's writer now and writes the report :meth:`write` sends it."""

    def __init__(self, format_name: str, output: str | None) -> None:
        self._format = format_name
        self._output = output
        self._pid = 0
        self._report_fd = -1  # this process writes the pickled report here
        self._outcome_fd = -1  # and reads the child's messages here

    def __enter__(self) -> ForkedWriter:
        sys.stdout.flush()  # or the child would inherit, and later flush, a copy of unwritten output
        sys.stderr.flush()
        report_read, report_write = os.pipe()
        outcome_read, outcome_write = os.pipe()

        def serve() -> None:
            os.close(report_write)
            os.close(outcome_read)
            self._serve(report_read, outcome_write)

        self._pid = fork_helper(serve)
        os.close(report_read)
        os.close(outcome_write)
        self._report_fd, self._outcome_fd = report_write, outcome_read
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._close_report_pipe()
        if self._outcome_fd >= 0:
            os.close(self._outcome_fd)
            self._outcome_fd = -1
        if self._pid:
            stop_child(self._pid)  # the scan failed before write(): the child has written nothing
            self._pid = 0

    @property
    def pid(self) -> int:
        """The child's process id (0 once it has been reaped)."""
        return self._pid

    def write(self, report: ScanReport) -> None:
        """Send the report to the child and wait until it is written; raise what stopped it."""
        sent = time.perf_counter()
        data = pickle.dumps(_without_files(report), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            with open(self._report_fd, "wb", closefd=True) as pipe:
                self._report_fd = -1
                pipe.write(data)
        except BrokenPipeError:  # the child is gone; its messages say what happened
            pass
        messages = self._messages()
        _, wait_status = os.waitpid(self._pid, 0)
        self._pid = 0
        outcome = messages[-1] if messages else ("none",)
        if outcome[0] == "written":
            _log.debug("report (%d bytes pickled) written by the writer process %.3f s after it was sent",
                       len(data), time.perf_counter() - sent)  # fmt: skip
            return
        if outcome[0] == "closed-pipe":
            raise BrokenPipeError
        if outcome[0] == "error":
            _log.debug("the report writer failed:\n%s", outcome[2])
            raise outcome[1]
        status = os.waitstatus_to_exitcode(wait_status)
        if ("writing",) in messages:
            raise ReportError(f"the report writer process ended (status {status}) while writing the report")
        _log.debug("the report writer process ended (status %d) before writing; writing here", status)
        write_here(report, self._format, self._output)

    def _messages(self) -> list[tuple[Any, ...]]:
        """Every message the child sent, read until it closes its end."""
        messages: list[tuple[Any, ...]] = []
        with open(self._outcome_fd, "rb", closefd=True) as pipe:
            self._outcome_fd = -1
            while True:
                try:
                    messages.append(pickle.load(pipe))  # noqa: S301 - our own child, see mamoru.processes
                except EOFError:
                    return messages
                except Exception as exc:  # noqa: BLE001 - a message cut short: the child died mid-write
                    _log.debug("unreadable message from the report writer: %s", exc)
                    return messages

    def _close_report_pipe(self) -> None:
        if self._report_fd >= 0:
            os.close(self._report_fd)
            self._report_fd = -1

    # ------------------------------------------------------------------ the child process

    def _serve(self, report_fd: int, outcome_fd: int) -> None:
        """Import the writer, wait for the report, write it and say how it went (no outcome: the
        parent acts on that)."""
        try:
            with open(outcome_fd, "wb") as outcome:
                self._write_report(report_fd, outcome)
        finally:
            with contextlib.suppress(BaseException):
                sys.stderr.flush()

    def _write_report(self, report_fd: int, outcome: Any) -> None:
        def send(message: tuple[Any, ...]) -> None:
            outcome.write(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
            outcome.flush()

        try:
            from mamoru.cli import write_output
            from mamoru.report import writer

            render = writer(self._format)
            with open(report_fd, "rb") as pipe:
                data = pipe.read()
            if not data:
                return  # the scan failed: nothing to write
            report: ScanReport = pickle.loads(data)  # noqa: S301 - sent by our parent
            send(("writing",))
            write_output(lambda stream: render(report, stream), self._output)
        except BrokenPipeError:
            send(("closed-pipe",))
        except BaseException as exc:  # noqa: BLE001 - raised again in the parent
            send(("error", picklable(exc), traceback.format_exc()))
        else:
            send(("written",))


def _without_files(report: ScanReport) -> ScanReport:
    """The report with an empty file list: the forked formats do not read it, and it is most of the pickle."""
    return replace(report, inventory=replace(report.inventory, files=[]))
