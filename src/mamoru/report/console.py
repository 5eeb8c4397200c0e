"""The rich console every text report prints through."""

from __future__ import annotations

from rich.console import Console


class ReportConsole(Console):
    """A rich :class:`Console` that leaves a closed pipe to the CLI (exit 141) instead of exiting 1 itself.

    rich's default answer to a reader going away (``mamoru image X | head``) is ``SystemExit(1)``,
    which is mamoru's "policy gate failed" code; rich documents overriding this hook.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError("the reader of the report went away")
